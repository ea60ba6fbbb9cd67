import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import { readSynthOutput, type SynthOutput, type TerraformResource } from '../../src/analysis/read';
import { GUARD_RULES, formatFindings, runGuard } from '../../src/analysis/guard/run';
import { guardValidation } from '../../src/analysis/guard/synth';
import type { GuardInput } from '../../src/analysis/guard/types';
import { APPROVERS, STATE_FILE } from '../../examples/k8s-app';
import { TERRAFORM_PROPS } from '../../examples/tf-app';
import type { Phase } from '../../src/phase/table';

const fixture = (phase: Phase) => readSynthOutput(join(__dirname, '..', 'fixtures', 'synth', `phase-${phase}`));
const SA = { kind: 'ServiceAccount', name: 'incident-responder', namespace: 'ops-agents' };

function withManifests(out: SynthOutput, ...extra: Manifest[]): SynthOutput {
  return { ...out, manifests: [...out.manifests, ...extra.map((manifest, i) => ({ manifest, where: `Extra/Object${i}` }))] };
}
function mapManifests(out: SynthOutput, f: (m: Manifest) => Manifest | undefined): SynthOutput {
  return { ...out, manifests: out.manifests.flatMap((m) => { const r = f(m.manifest); return r ? [{ ...m, manifest: r }] : []; }) };
}
function withResources(out: SynthOutput, ...extra: Array<Omit<TerraformResource, 'address' | 'where'>>): SynthOutput {
  const [stack, ...rest] = out.stacks;
  const resources = [...stack!.resources, ...extra.map((r) => ({ ...r, address: `${r.type}.${r.name}`, where: `incident-responder/Extra/${r.name}` }))];
  return { ...out, stacks: [{ ...stack!, resources }, ...rest] };
}
function mapResources(out: SynthOutput, type: string, f: (c: Record<string, unknown>) => Record<string, unknown>): SynthOutput {
  return { ...out, stacks: out.stacks.map((s) => ({ ...s, resources: s.resources.map((r) => (r.type === type ? { ...r, config: f({ ...r.config }) } : r)) })) };
}
const rbac = 'rbac.authorization.k8s.io/v1';
const role = (name: string, namespace: string, rules: unknown[]): Manifest => ({ apiVersion: rbac, kind: 'Role', metadata: { name, namespace }, rules });
const roleBinding = (name: string, namespace: string, roleRef: { kind: string; name: string }, subjects: unknown[]): Manifest =>
  ({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects });
const podsReader = role('reader', 'shop', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
const iamRoleName = fixture(2).stacks[0]!.resources.find((r) => r.type === 'aws_iam_role')!.name;
const iamRoleRef = `\${aws_iam_role.${iamRoleName}.name}`;

/** What the example's constructs were given, besides the phase (the fixtures keep the state file's since). */
const EXAMPLE = { definition: incidentResponder, since: JSON.parse(readFileSync(STATE_FILE, 'utf8')).since as string, kubernetes: { approvers: APPROVERS }, ...TERRAFORM_PROPS };

/** The guard as the example's constructs run it. */
function guard(output: SynthOutput, phase: Phase, extra: Partial<GuardInput> = {}) {
  return runGuard({ ...EXAMPLE, output, phase, ...extra });
}

function findings(output: SynthOutput, phase: Phase, rule: string) {
  return guard(output, phase).filter((f) => f.ruleId === rule);
}

/** Per rule: a phase, a violating output built from the example's output at that phase. */
const VIOLATIONS: Record<string, { phase: Phase; violate: (out: SynthOutput) => SynthOutput; input?: Partial<GuardInput> }> = {
  'GT-K8S-001': { phase: 2, violate: (o) => withManifests(o, role('patcher', 'shop', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] }]), roleBinding('extra', 'shop', { kind: 'Role', name: 'patcher' }, [SA])) },
  'GT-K8S-002': { phase: 2, violate: (o) => withManifests(o, roleBinding('edit', 'shop', { kind: 'ClusterRole', name: 'edit' }, [SA])) },
  'GT-K8S-003': { phase: 2, violate: (o) => withManifests(o, podsReader, roleBinding('all-sas', 'shop', { kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'system:serviceaccounts:ops-agents', apiGroup: 'rbac.authorization.k8s.io' }])) },
  'GT-K8S-004': { phase: 2, violate: (o) => withManifests(o, podsReader, roleBinding('second', 'shop', { kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'incident-responder', namespace: 'ops-agents' }])) },
  'GT-K8S-005': { phase: 2, violate: (o) => withManifests(o, role('secrets', 'shop', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]), roleBinding('secrets', 'shop', { kind: 'Role', name: 'secrets' }, [SA])) },
  'GT-K8S-006': { phase: 3, violate: (o) => mapManifests(o, (m) => (m.kind === 'ValidatingAdmissionPolicyBinding' ? undefined : m)) },
  'GT-K8S-008': { phase: 3, violate: (o) => withManifests(o, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'agent', namespace: 'ops-agents' },
    spec: { template: { metadata: { labels: { app: 'agent' } }, spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'agent', image: 'x' }] } } } }) },
  'GT-K8S-007': {
    phase: 2,
    // Another agent of the app lives in shop: a namespace-wide ConfigMap write there reaches its approvals.
    violate: (o) => withManifests(o,
      role('cm-writer', 'shop', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['patch'] }]),
      roleBinding('cm-writer', 'shop', { kind: 'Role', name: 'cm-writer' }, [SA])),
    input: { otherAgents: [{ name: 'cart-healer', namespace: 'shop' }] },
  },
  'GT-NET-001': { phase: 2, violate: (o) => mapManifests(o, (m) => (m.kind === 'NetworkPolicy' ? undefined : m)) },
  'GT-NET-002': {
    phase: 1,
    violate: (o) => withManifests(o, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-web', namespace: 'ops-agents' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }] },
    }),
  },
  'GT-NET-003': {
    phase: 2,
    violate: (o) => withManifests(o, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'scrape', namespace: 'ops-agents' },
      spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: {} }] }] },
    }),
  },
  'GT-VAULT-001': {
    phase: 2,
    violate: (o) => mapResources(withResources(o, { type: 'vault_policy', name: 'extra', config: { name: 'extra', policy: 'path "secret/data/shop/*" {\n  capabilities = ["update"]\n}\n' } }),
      'vault_kubernetes_auth_backend_role', (c) => ({ ...c, token_policies: [...(c['token_policies'] as string[]), '${vault_policy.extra.name}'] })),
  },
  'GT-NET-004': {
    phase: 2,
    violate: (o) => mapManifests(o, (m) => (m.kind === 'NetworkPolicy' ? { ...m, spec: { ...(m['spec'] as object), egress: [] } } : m)),
  },
  'GT-VAULT-002': { phase: 2, violate: (o) => mapResources(o, 'vault_kubernetes_auth_backend_role', (c) => ({ ...c, token_ttl: 86400 })) },
  'GT-VAULT-003': { phase: 2, violate: (o) => mapResources(o, 'vault_kubernetes_auth_backend_role', (c) => ({ ...c, token_policies: [...(c['token_policies'] as string[]), 'admin'] })) },
  'GT-VAULT-004': { phase: 2, violate: (o) => mapResources(o, 'vault_kubernetes_auth_backend_role', (c) => ({ ...c, bound_service_account_names: ['*'] })) },
  'GT-IAM-001': {
    phase: 2,
    // The boundary is widened out of band, and a second policy uses it with "*".
    violate: (o) => withResources(
      mapResources(o, 'aws_iam_policy', (c) => {
        const doc = JSON.parse(c['policy'] as string);
        doc.Statement.push({ Effect: 'Allow', Action: 'rds:RebootDBInstance', Resource: 'arn:aws:rds:eu-west-1:111122223333:db:shop' });
        return { ...c, policy: JSON.stringify(doc) };
      }),
      { type: 'aws_iam_role_policy', name: 'second', config: { name: 'second', role: iamRoleRef, policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'rds:RebootDBInstance', Resource: '*' }] }) } },
    ),
  },
  'GT-VAULT-005': { phase: 3, violate: (o) => mapResources(o, 'vault_token_auth_backend_role', (c) => ({ ...c, token_num_uses: 0, token_type: 'batch' })) },
  'GT-IAM-007': {
    phase: 3,
    violate: (o) => mapResources(o, 'aws_iam_policy', (c) => {
      const doc = JSON.parse(c['policy'] as string);
      doc.Statement = doc.Statement.filter((st: { Sid?: string }) => st.Sid !== 'NoApprovalTagKeys');
      return { ...c, policy: JSON.stringify(doc) };
    }),
  },
  'GT-IAM-002': { phase: 2, violate: (o) => mapResources(o, 'aws_iam_role', (c) => { const { permissions_boundary: _, ...rest } = c; return rest; }) },
  'GT-IAM-003': { phase: 2, violate: (o) => mapResources(o, 'aws_iam_role', (c) => ({ ...c, max_session_duration: 43200 })) },
  'GT-IAM-004': { phase: 2, violate: (o) => withResources(o, { type: 'aws_iam_role_policy_attachment', name: 'ro', config: { role: iamRoleRef, policy_arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } }) },
  'GT-IAM-008': { phase: 2, violate: (o) => withResources(o, { type: 'aws_s3_bucket_policy', name: 'orders', config: { bucket: 'shop-orders', policy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"${iamRoleRef.replace('.name}', '.arn}')}"},"Action":"s3:*","Resource":"*"}]}` } }) },
  'GT-IAM-006': { phase: 2, violate: (o) => mapResources(o, 'aws_iam_role', (c) => ({ ...c, permissions_boundary: 'arn:aws:iam::111122223333:policy/platform-boundary' })) },
  'GT-IAM-005': {
    phase: 2,
    violate: (o) => mapResources(o, 'aws_iam_role', (c) => {
      const doc = JSON.parse(c['assume_role_policy'] as string);
      doc.Statement.push({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' });
      return { ...c, assume_role_policy: JSON.stringify(doc) };
    }),
  },
};

describe('guard rules', () => {
  it('has one violating fixture per rule, and no fixture for a rule that does not exist', () => {
    expect(Object.keys(VIOLATIONS).sort()).toEqual(GUARD_RULES.map((r) => r.id).sort());
  });

  for (const rule of GUARD_RULES) {
    const { phase, violate, input } = VIOLATIONS[rule.id]!;
    it(`${rule.id} passes on the example's own output in phase ${phase}`, () => {
      expect(findings(fixture(phase), phase, rule.id)).toEqual([]);
    });
    it(`${rule.id} reports a ${rule.level} with what, where, why and fix when violated`, () => {
      const found = guard(violate(fixture(phase)), phase, input).filter((f) => f.ruleId === rule.id);
      expect(found.length).toBeGreaterThan(0);
      expect(found[0]).toMatchObject({ ruleId: rule.id, level: rule.level, why: rule.why, fix: rule.fix });
      expect(found[0]!.what.length).toBeGreaterThan(20);
      expect(found[0]!.where).not.toBe('');
    });
  }

  it('finds nothing on the example output at every phase', () => {
    for (const phase of [1, 2, 3, 4] as const) expect(guard(fixture(phase), phase)).toEqual([]);
  });

  it('reports the phase 2 output against the phase 1 ceiling (chat egress, longer tokens)', () => {
    const ids = guard(fixture(2), 1).map((f) => f.ruleId);
    // The admission policies name the phase, so all four differ from phase 1's.
    expect(ids).toEqual(['GT-K8S-006', 'GT-K8S-006', 'GT-K8S-006', 'GT-K8S-006', 'GT-NET-002', 'GT-VAULT-002', 'GT-VAULT-002']);
  });

  it('points at the construct path of a cdktf resource', () => {
    const [f] = findings(VIOLATIONS['GT-IAM-003']!.violate(fixture(2)), 2, 'GT-IAM-003');
    expect(f!.where).toBe('incident-responder/IncidentResponder/IamRole');
  });

  it('points at FILE:LINE for objects read from YAML', () => {
    const [f] = findings(VIOLATIONS['GT-K8S-006']!.violate(fixture(3)), 3, 'GT-K8S-006');
    expect(f!.where).toMatch(/incident-responder\.k8s\.yaml:\d+$/);
  });

  it('records a suppressed warning with its reason', () => {
    const output = VIOLATIONS['GT-NET-003']!.violate(fixture(2));
    const [f] = guard(output, 2, { suppressions: [{ ruleId: 'GT-NET-003', reason: 'metrics scraper needs it' }] });
    expect(f).toMatchObject({ ruleId: 'GT-NET-003', suppressed: { reason: 'metrics scraper needs it' } });
    expect(formatFindings([f!])).toContain('suppressed: metrics scraper needs it');
  });

  it('fails to suppress an error', () => {
    expect(() => guard(fixture(2), 2, { suppressions: [{ ruleId: 'GT-K8S-001', reason: 'we really need it' }] }))
      .toThrow(/GT-K8S-001: it is an error .* cannot be suppressed/);
  });

  it('fails to suppress a warning with a reason under 10 characters', () => {
    expect(() => guard(fixture(2), 2, { suppressions: [{ ruleId: 'GT-NET-003', reason: 'ok' }] }))
      .toThrow(/shorter than 10 characters/);
  });

  it('fails to suppress a rule that does not exist', () => {
    expect(() => guard(fixture(2), 2, { suppressions: [{ ruleId: 'GT-X-1', reason: 'long enough reason' }] })).toThrow(/no such rule/);
  });

  it('turns errors into validation messages and warnings into reports at synth', () => {
    const warnings: string[] = [];
    const output = VIOLATIONS['GT-NET-003']!.violate(VIOLATIONS['GT-IAM-003']!.violate(fixture(2)));
    const messages = guardValidation({ output: () => output, ...EXAMPLE, phase: 2, onWarning: (t) => warnings.push(t) }).validate();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^\[error\] GT-IAM-003 at incident-responder\/IncidentResponder\/IamRole/);
    expect(warnings[0]).toMatch(/^\[warning\] GT-NET-003/);
  });
});

describe('GT-K8S-006 compares the admission objects with what TrustPhasedAgent renders', () => {
  type Spec = Record<string, unknown>;
  /** Changes the spec of the agent's writes policy (or its binding). */
  function withAdmissionSpec(out: SynthOutput, kind: string, f: (spec: Spec) => Spec): SynthOutput {
    const writes = (m: Manifest) => m.metadata?.name === 'incident-responder.graduated-trust.dev';
    return mapManifests(out, (m) => (m.kind === kind && writes(m) ? { ...m, spec: f(structuredClone(m['spec']) as Spec) } : m));
  }
  const admissionErrors = (output: SynthOutput, phase: Phase) => findings(output, phase, 'GT-K8S-006').map((f) => f.what);
  const first = (spec: Spec, key: string) => (spec[key] as Array<Record<string, unknown>>)[0]!;

  it('fails when the match condition is negated, naming the field', () => {
    const output = withAdmissionSpec(fixture(2), 'ValidatingAdmissionPolicy', (spec) => {
      first(spec, 'matchConditions')['expression'] = "request.userInfo.username != 'system:serviceaccount:ops-agents:incident-responder'";
      return spec;
    });
    expect(admissionErrors(output, 2)).toEqual([expect.stringMatching(/ValidatingAdmissionPolicy "incident-responder.graduated-trust.dev" differs .* at spec\.matchConditions\[0\]\.expression;/)]);
  });

  it('fails when the validation always passes', () => {
    const output = withAdmissionSpec(fixture(3), 'ValidatingAdmissionPolicy', (spec) => {
      first(spec, 'validations')['expression'] = 'true';
      return spec;
    });
    expect(admissionErrors(output, 3)).toEqual([expect.stringContaining('at spec.validations[0].expression')]);
  });

  it('fails when failurePolicy is Ignore', () => {
    const output = withAdmissionSpec(fixture(1), 'ValidatingAdmissionPolicy', (spec) => ({ ...spec, failurePolicy: 'Ignore' }));
    expect(admissionErrors(output, 1)).toEqual([expect.stringContaining('at spec.failurePolicy')]);
  });

  it('fails when the binding narrows the policy with matchResources', () => {
    const output = withAdmissionSpec(fixture(3), 'ValidatingAdmissionPolicyBinding', (spec) => ({ ...spec, matchResources: { namespaceSelector: { matchLabels: { team: 'none' } } } }));
    expect(admissionErrors(output, 3)).toEqual([expect.stringMatching(/ValidatingAdmissionPolicyBinding "incident-responder.graduated-trust.dev" of .* at spec\.matchResources;/)]);
  });

  it('fails when the binding only warns or audits', () => {
    const output = withAdmissionSpec(fixture(2), 'ValidatingAdmissionPolicyBinding', (spec) => ({ ...spec, validationActions: ['Warn', 'Audit'] }));
    expect(admissionErrors(output, 2)).toEqual([expect.stringContaining('at spec.validationActions')]);
  });

  it('fails when the approvals come from another ConfigMap', () => {
    const approved = (m: Manifest) => m.kind === 'ValidatingAdmissionPolicyBinding' && m.metadata?.name === 'incident-responder-approved.graduated-trust.dev';
    const output = mapManifests(fixture(3), (m) => (approved(m) ? { ...m, spec: { ...(m['spec'] as Spec), paramRef: { ...((m['spec'] as Spec)['paramRef'] as Spec), name: 'self-approved' } } } : m));
    expect(admissionErrors(output, 3)).toEqual([expect.stringContaining('at spec.paramRef.name')]);
  });

  it('points at the object that differs', () => {
    const output = withAdmissionSpec(fixture(2), 'ValidatingAdmissionPolicyBinding', (spec) => ({ ...spec, validationActions: ['Audit'] }));
    const [f] = findings(output, 2, 'GT-K8S-006');
    const line = Number(f!.where.split(':').pop());
    const yaml = readFileSync(join(__dirname, '..', 'fixtures', 'synth', 'phase-2', 'dist', 'incident-responder.k8s.yaml'), 'utf8').split('\n');
    expect(yaml.slice(line - 1, line + 1).join('\n')).toMatch(/ValidatingAdmissionPolicyBinding/);
  });

  it('passes the rendered objects with their keys in another order', () => {
    const reorder = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reorder) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v;
    const output = mapManifests(fixture(2), (m) => (m.kind?.startsWith('ValidatingAdmissionPolicy') ? { ...m, spec: reorder(m['spec']) } : m));
    expect(admissionErrors(output, 2)).toEqual([]);
  });
});

describe('RULES.md', () => {
  const text = readFileSync(join(__dirname, '..', '..', 'RULES.md'), 'utf8');
  const documented = [...text.matchAll(/^\| (GT-[A-Z0-9]+-\d{3}) \| (error|warning) \|/gm)].map((m) => [m[1], m[2]]);

  it('lists every rule with its level', () => {
    expect(documented).toEqual(GUARD_RULES.map((r) => [r.id, r.level]));
  });

  it('lists no rule the code does not have', () => {
    for (const [id] of documented) expect(GUARD_RULES.some((r) => r.id === id), id).toBe(true);
  });
});
