/**
 * Regressions of issue 12 (Kubernetes half): an aggregated ClusterRole bound to the agent is
 * filled in the cluster from labelled ClusterRoles. Each test builds the example's cdk8s app
 * (examples/k8s-app.ts options) with the widening and asserts synthesis fails with the rule ID,
 * and that the access model and the testing helpers see what the guard sees.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { APPROVERS } from '../../examples/k8s-app';
import { accessOf, formatAccessText } from '../../src/analysis/access';
import { TrustPhasedAgent } from '../../src/k8s';
import { synthesizedManifests } from '../../src/k8s/guard';
import type { Phase } from '../../src/phase/table';
import { checkDenies, checkNoDangerousAccess, checkReadOnly, phaseAccess } from '../../src/testing';

const AGENT = { namespace: 'ops-agents', name: 'incident-responder' };
const RBAC = 'rbac.authorization.k8s.io/v1';
const AGGREGATE_LABEL = { 'example.com/aggregate-to-helper': 'true' };

/** The example app at `phase`, with `widen` adding objects in another chart. */
function build(phase: Phase, widen: (chart: Chart) => void): App {
  const app = new App();
  const chart = new Chart(app, 'incident-responder');
  new TrustPhasedAgent(chart, 'IncidentResponder', { definition: incidentResponder, phase, approvers: APPROVERS });
  widen(new Chart(app, 'platform'));
  return app;
}

function synthError(app: App): string {
  try {
    app.synthYaml();
    return '';
  } catch (e) {
    return String((e as Error).message);
  }
}

function output(app: App) {
  return { manifests: synthesizedManifests(app), stacks: [] };
}

/** An aggregated ClusterRole `helper` (no rules of its own) bound to the agent's ServiceAccount cluster-wide. */
function aggregatedBinding(chart: Chart): void {
  new ApiObject(chart, 'Helper', {
    apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'helper' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: AGGREGATE_LABEL }] },
    rules: [],
  });
  new ApiObject(chart, 'HelperBinding', {
    apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'helper' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'helper' },
    subjects: [{ kind: 'ServiceAccount', name: AGENT.name, namespace: AGENT.namespace }],
  });
}

/** A ClusterRole the aggregation controller folds into `helper`: read secrets everywhere. */
function secretsMember(chart: Chart): void {
  new ApiObject(chart, 'SecretsReader', {
    apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'secrets-reader', labels: AGGREGATE_LABEL },
    rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }],
  });
}

describe('guard regressions: aggregated ClusterRoles', () => {
  it('fails synthesis when an aggregated ClusterRole whose member in the app reads secrets is bound to the agent', () => {
    const app = build(2, (c) => { aggregatedBinding(c); secretsMember(c); });
    const error = synthError(app);
    expect(error).toMatch(/GT-K8S-001[^\n]*ClusterRoleBinding helper[^\n]*get secrets/);
    expect(error).toMatch(/GT-K8S-002[^\n]*ClusterRole helper \(aggregated\)/);
  });

  it('evaluates the members in the app: access, toDeny, toHaveNoDangerousAccess and toBeReadOnly see the secrets', () => {
    const out = output(build(1, (c) => { aggregatedBinding(c); secretsMember(c); }));
    const model = accessOf(out, AGENT);
    expect(model.kubernetes.scopes['*']?.['secrets']?.verbs['get']).toEqual(['*']);
    expect(model.kubernetes.dangerous.map((d) => d.id)).toContain('secrets');
    expect(formatAccessText([model])).toContain('secrets: get; list');
    const p = phaseAccess(out, AGENT, 1);
    expect(checkDenies(p, { k8s: 'get secrets in shop' }).pass).toBe(false);
    expect(checkNoDangerousAccess(p).pass).toBe(false);
    expect(checkReadOnly(p).pass).not.toBe(true);
  });

  it('fails closed when the aggregated ClusterRole\'s members are not all in the app', () => {
    const app = build(2, aggregatedBinding);
    expect(synthError(app)).toMatch(/GT-K8S-002[^\n]*ClusterRoleBinding helper binds ClusterRole helper \(aggregated\)[^\n]*cannot be checked/);
    const model = accessOf(output(app), AGENT);
    expect(model.kubernetes.unresolved.join('\n')).toMatch(/helper \(aggregated\)/);
    expect(formatAccessText([model])).toContain('! unknown: ClusterRoleBinding helper binds ClusterRole helper (aggregated)');
    const p = phaseAccess(output(app), AGENT, 2);
    // Unknown access is never a pass: the helpers answer "cannot tell" (undefined) or fail.
    expect(checkNoDangerousAccess(p).pass).not.toBe(true);
    expect(checkDenies(p, { k8s: 'get secrets in shop' }).pass).not.toBe(true);
  });

  it('fails closed when an aggregated ClusterRole is bound through a RoleBinding in the agent\'s namespace', () => {
    const app = build(3, (c) => {
      aggregatedBinding(c);
      new ApiObject(c, 'NsBinding', {
        apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'helper-ns', namespace: 'shop' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'helper' },
        subjects: [{ kind: 'Group', name: 'system:serviceaccounts:ops-agents' }],
      });
    });
    expect(synthError(app)).toMatch(/GT-K8S-002[^\n]*RoleBinding shop\/helper-ns/);
  });
});
