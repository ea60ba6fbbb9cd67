/**
 * A dangerous grant declared twice (namespace-wide in one tier, by name in a later one) is the
 * agent's own ceiling, so the guard passes it (found by the property test of test/k8s); an extra
 * binding that reaches further than the definition still fails, however its reach is worded.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types';
import { TrustPhasedAgent } from '../../src/k8s';

const REASON = { reason: 'reads the TLS secret to check certificate expiry' };
const DEF: AgentDefinition = {
  name: 'a',
  namespace: 'shop',
  observe: {},
  recommend: { kubernetes: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'], namespaces: ['web'], dangerous: REASON }] },
  remediate: { kubernetes: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'], resourceNames: ['guarded'], namespaces: ['web'], dangerous: REASON }] },
};

function synth(phase: 3 | 4, widen?: (chart: Chart) => void): string {
  const app = new App();
  new TrustPhasedAgent(new Chart(app, 'agent'), 'Agent', { definition: DEF, phase, approvers: { groups: ['sre-oncall'] } });
  widen?.(new Chart(app, 'platform'));
  try {
    app.synthYaml();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** A Role in `namespace` with `rules`, bound to the agent's ServiceAccount. */
function extraGrant(namespace: string, rules: unknown[]) {
  return (chart: Chart) => {
    new ApiObject(chart, `Role-${namespace}`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'extra', namespace }, rules });
    new ApiObject(chart, `Binding-${namespace}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'extra', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extra' },
      subjects: [{ kind: 'ServiceAccount', name: 'a', namespace: 'shop' }],
    });
  };
}

describe('acknowledged dangerous grants and the guard', () => {
  it.each([3, 4] as const)('passes a secret read declared namespace-wide and by name, in phase %i', (phase) => {
    expect(synth(phase)).not.toMatch(/\[error\]/);
  });

  it.each([
    ['list secrets in the acknowledged namespace', 'web', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]],
    ['get secrets in another namespace', 'payments', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]],
    ['patch every secret of the namespace', 'web', [{ apiGroups: [''], resources: ['secrets'], verbs: ['patch'] }]],
  ])('fails an extra binding that grants %s', (_what, namespace, rules) => {
    expect(synth(4, extraGrant(namespace, rules))).toMatch(/GT-K8S-001/);
  });
});
