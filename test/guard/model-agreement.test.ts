/**
 * The guard and the access model agree on random extra grants: RBAC Roles and ClusterRoles bound
 * to the agent's ServiceAccount or its groups, extra IAM policies on its role (inside the
 * rendered boundary or a wider one), extra Vault policies on its role or on another auth role
 * bound to it. The example is synthesized once per phase (examples' construct options); each run
 * adds the grants to that output as plain objects, so no run pays for a synth.
 *
 * Two readers, one model:
 * - whatever the access model (through the testing helpers' request evaluation) allows that the
 *   phase's own output does not, the guard reports as an error; what it cannot tell, the guard
 *   reports too;
 * - whatever the guard passes, the model keeps within the ceiling (no fact above it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { aboveCeilingFacts } from '../../src/analysis/guard/model-check';
import { phaseCeiling } from '../../src/analysis/guard/ceiling';
import { runGuard } from '../../src/analysis/guard/run';
import { parseManifests, terraformResources, type TerraformResource } from '../../src/analysis/read';
import { boundaryPolicy } from '../../src/aws/policy';
import type { Phase } from '../../src/phase/table';
import { checkAllows, phaseAccess, synthesizePhases, type AccessRequest, type PhaseAccess } from '../../src/testing';
import { EXAMPLE_OPTIONS } from '../testing/support';

const RUNS = { numRuns: 60, seed: 12 };
const AGENT = { namespace: 'ops-agents', name: 'incident-responder' };
const ACCOUNT = '111122223333';
const phases = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);

// --- Kubernetes -------------------------------------------------------------------------------

const RESOURCES = [
  { group: '', resource: 'pods' }, { group: '', resource: 'secrets' }, { group: '', resource: 'configmaps' },
  { group: '', resource: 'pods/log' }, { group: 'apps', resource: 'deployments' }, { group: '', resource: 'events' },
] as const;
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
const SUBJECTS = [
  { kind: 'ServiceAccount', name: AGENT.name, namespace: AGENT.namespace },
  { kind: 'Group', name: 'system:serviceaccounts' },
  { kind: 'Group', name: 'system:serviceaccounts:ops-agents' },
  { kind: 'Group', name: 'system:authenticated' },
  { kind: 'ServiceAccount', name: 'someone-else', namespace: AGENT.namespace },
] as const;

const rbacRule = fc.record({
  resources: fc.subarray([...RESOURCES], { minLength: 1, maxLength: 2 }),
  verbs: fc.subarray([...VERBS], { minLength: 1, maxLength: 3 }),
  name: fc.option(fc.constantFrom('checkout', 'cart', 'other'), { nil: undefined }),
});

const rbacGrant = fc.record({
  cluster: fc.boolean(),
  clusterBinding: fc.boolean(),
  namespace: fc.constantFrom('shop', 'ops-agents', 'billing'),
  subject: fc.constantFrom(...SUBJECTS),
  rules: fc.array(rbacRule, { minLength: 1, maxLength: 2 }),
});
type RbacGrant = typeof rbacGrant extends fc.Arbitrary<infer T> ? T : never;

function rbacYaml(g: RbacGrant, i: number): string {
  const name = `extra-${i}`;
  const rules = g.rules.map((r) => ({
    apiGroups: [...new Set(r.resources.map((x) => x.group))],
    resources: r.resources.map((x) => x.resource),
    verbs: r.verbs,
    ...(r.name ? { resourceNames: [r.name] } : {}),
  }));
  const roleKind = g.cluster ? 'ClusterRole' : 'Role';
  const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: roleKind, metadata: { name, ...(g.cluster ? {} : { namespace: g.namespace }) }, rules };
  const clusterBinding = g.cluster && g.clusterBinding;
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: clusterBinding ? 'ClusterRoleBinding' : 'RoleBinding',
    metadata: { name, ...(clusterBinding ? {} : { namespace: g.namespace }) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name },
    subjects: [g.subject],
  };
  return [role, binding].map((o) => JSON.stringify(o)).join('\n---\n');
}

function rbacRequests(g: RbacGrant): AccessRequest[] {
  return g.rules.flatMap((r) => r.resources.flatMap((x) => r.verbs.flatMap((verb) =>
    ['shop', 'ops-agents', 'billing'].map((ns) => ({ k8s: `${verb} ${x.group ? `${x.group}/` : ''}${x.resource}${r.name ? ` ${r.name}` : ' checkout'} in ${ns}` })))));
}

// --- IAM --------------------------------------------------------------------------------------

const ARNS = [
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/shop/checkout`,
  `arn:aws:ecs:eu-west-1:${ACCOUNT}:service/shop/cart`,
  `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/shop/orders`,
  `arn:aws:s3:::shop-orders/report.csv`,
] as const;
const ACTIONS = ['ecs:UpdateService', 'ecs:DescribeServices', 'ecs:DeleteService', 'logs:FilterLogEvents', 's3:GetObject', 'cloudwatch:GetMetricData'] as const;

const iamGrant = fc.record({
  actions: fc.subarray([...ACTIONS], { minLength: 1, maxLength: 3 }),
  resources: fc.oneof(fc.constant(['*']), fc.subarray([...ARNS], { minLength: 1, maxLength: 2 })),
  /** Replace the rendered boundary with the phase-4 one (wider below phase 4). */
  widerBoundary: fc.boolean(),
});
type IamGrant = typeof iamGrant extends fc.Arbitrary<infer T> ? T : never;

function iamRequests(g: IamGrant): AccessRequest[] {
  return g.actions.flatMap((a) => ARNS.map((arn) => ({ iam: `${a} on ${arn}` })));
}

// --- Vault ------------------------------------------------------------------------------------

const PATHS = ['secret/data/shop/checkout/flags', 'secret/data/agents/incident-responder/x', 'secret/data/shop/flags/a', 'secret/data/billing/key', 'sys/policy/x'] as const;
const CAPABILITIES = ['read', 'update', 'create', 'list', 'delete'] as const;

const vaultGrant = fc.record({
  path: fc.constantFrom(...PATHS),
  capabilities: fc.subarray([...CAPABILITIES], { minLength: 1, maxLength: 3 }),
  /** Attach to the agent's own role, or to another Kubernetes auth role bound to its ServiceAccount. */
  on: fc.constantFrom('own-role', 'other-role', 'glob-role'),
});
type VaultGrant = typeof vaultGrant extends fc.Arbitrary<infer T> ? T : never;

function vaultRequests(g: VaultGrant): AccessRequest[] {
  return g.capabilities.map((c) => ({ vault: `${c} ${g.path}` }));
}

// --- Putting the grants into a phase's output -------------------------------------------------

const extras = fc.record({
  phase: fc.constantFrom<Phase>(1, 2, 3, 4),
  rbac: fc.array(rbacGrant, { maxLength: 2 }),
  iam: fc.option(iamGrant, { nil: undefined }),
  vault: fc.array(vaultGrant, { maxLength: 2 }),
});
type Extras = typeof extras extends fc.Arbitrary<infer T> ? T : never;

function resource(type: string, name: string, config: Record<string, unknown>): TerraformResource[] {
  return terraformResources({ resource: { [type]: { [name]: config } } }, 'extra');
}

function addressOf(resources: readonly TerraformResource[], type: string, test: (r: TerraformResource) => boolean = () => true): TerraformResource {
  return resources.find((r) => r.type === type && test(r))!;
}

function widen(base: PhaseAccess, e: Extras): PhaseAccess {
  const manifests = [...base.output.manifests, ...e.rbac.flatMap((g, i) => parseManifests(rbacYaml(g, i), `extra-${i}.yaml`))];
  const [stack] = base.output.stacks;
  let resources = [...stack!.resources];
  const role = addressOf(resources, 'aws_iam_role');
  if (e.iam) {
    resources.push(...resource('aws_iam_role_policy', 'extra', {
      name: 'extra', role: `\${${role.address}.name}`,
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: e.iam.actions, Resource: e.iam.resources }] }),
    }));
    if (e.iam.widerBoundary) {
      resources = resources.map((r) => (r.type === 'aws_iam_policy' && String(r.config['name']).endsWith('-boundary')
        ? { ...r, config: { ...r.config, policy: JSON.stringify(boundaryPolicy(incidentResponder, 4)) } } : r));
    }
  }
  const own = addressOf(resources, 'vault_kubernetes_auth_backend_role', (r) => r.config['role_name'] === AGENT.name);
  e.vault.forEach((g, i) => {
    const name = `extra-${i}`;
    resources.push(...resource('vault_policy', name, { name, policy: `path "${g.path}" {\n  capabilities = [${g.capabilities.map((c) => `"${c}"`).join(', ')}]\n}\n` }));
    const ref = `\${vault_policy.${name}.name}`;
    if (g.on === 'own-role') {
      resources = resources.map((r) => (r === own || r.address === own.address
        ? { ...r, config: { ...r.config, token_policies: [...(r.config['token_policies'] as unknown[]), ref] } } : r));
    } else {
      resources.push(...resource('vault_kubernetes_auth_backend_role', name, {
        backend: 'kubernetes', role_name: name, audience: 'vault', token_ttl: 300, token_max_ttl: 600, token_no_default_policy: true,
        bound_service_account_names: [g.on === 'glob-role' ? 'incident-*' : AGENT.name], bound_service_account_namespaces: [AGENT.namespace],
        token_policies: [ref],
      }));
    }
  });
  return phaseAccess({ manifests, stacks: [{ ...stack!, resources }] }, AGENT, e.phase);
}

function guard(p: PhaseAccess) {
  return runGuard({
    output: p.output, definition: incidentResponder, phase: p.phase, since: EXAMPLE_OPTIONS.since!,
    kubernetes: EXAMPLE_OPTIONS.kubernetes as object, vault: { ...EXAMPLE_OPTIONS.vault!, approvers: { identityGroups: ['approvers'] } }, aws: EXAMPLE_OPTIONS.aws!,
  });
}

function requestsOf(e: Extras): AccessRequest[] {
  return [...e.rbac.flatMap(rbacRequests), ...(e.iam ? iamRequests(e.iam) : []), ...e.vault.flatMap(vaultRequests)];
}

describe('the guard and the access model on random extra grants', () => {
  it('passes every phase of the example as synthesized', () => {
    for (const phase of [1, 2, 3, 4] as const) expect(guard(phases[phase]).filter((f) => f.level === 'error')).toEqual([]);
  });

  it('reports every request the model allows above the phase\'s own output, and every one it cannot tell', () => {
    fc.assert(
      fc.property(extras, (e) => {
        const widened = widen(phases[e.phase], e);
        const findings = guard(widened);
        const errors = findings.filter((f) => f.level === 'error');
        for (const request of requestsOf(e)) {
          const actual = checkAllows(widened, request).pass;
          const ceiling = checkAllows(phases[e.phase], request).pass;
          if (actual === true && ceiling !== true) {
            expect(errors, `the model allows ${JSON.stringify(request)} above phase ${e.phase}, the guard must fail`).not.toEqual([]);
          }
          if (actual === undefined) expect(findings, `the model cannot tell ${JSON.stringify(request)}, the guard must say so`).not.toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('keeps whatever the guard passes within the ceiling of the model', () => {
    fc.assert(
      fc.property(extras, (e) => {
        const widened = widen(phases[e.phase], e);
        if (guard(widened).some((f) => f.level === 'error')) return;
        const ceiling = phaseCeiling({ definition: incidentResponder, phase: e.phase, since: EXAMPLE_OPTIONS.since!, kubernetes: EXAMPLE_OPTIONS.kubernetes as object, vault: EXAMPLE_OPTIONS.vault! });
        expect(aboveCeilingFacts(ceiling.model, widened.access).map((a) => a.fact.text)).toEqual([]);
        for (const request of requestsOf(e)) {
          if (checkAllows(widened, request).pass === true) expect(checkAllows(phases[e.phase], request).pass, JSON.stringify(request)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('finds the widening in most runs, so the properties are not vacuous', () => {
    const samples = fc.sample(extras, { numRuns: 40, seed: 12 });
    const failing = samples.filter((e) => guard(widen(phases[e.phase], e)).some((f) => f.level === 'error')).length;
    expect(failing).toBeGreaterThan(10);
    expect(failing).toBeLessThan(40);
  });
});
