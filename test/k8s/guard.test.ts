import { App, ApiObject, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { APPROVERS, deleteDeploymentsGrant, one } from './helpers';
import { TrustPhasedAgent } from '../../src/k8s';
import type { Manifest } from '../../src/analysis/k8s/authorizer';

function app(phase: 1 | 2 | 3 | 4, extra?: (chart: Chart) => void, suppressions = [] as { ruleId: string; reason: string }[]) {
  const a = new App();
  const chart = new Chart(a, 'agents');
  new TrustPhasedAgent(chart, 'IncidentResponder', { definition: incidentResponder, phase, suppressions, approvers: APPROVERS });
  if (extra) extra(new Chart(a, 'other'));
  return { app: a, chart };
}

describe('TrustPhasedAgent guard at synth (cdk8s)', () => {
  it('passes the example at every phase', () => {
    for (const phase of [1, 2, 3, 4] as const) expect(() => app(phase).chart.toJson()).not.toThrow();
  });

  it('fails synthesis when another chart binds the agent to a wider role', () => {
    const { chart } = app(2, (other) => deleteDeploymentsGrant(other, incidentResponder));
    expect(() => chart.toJson()).toThrowError(/GT-K8S-001.*delete apps\/deployments/s);
    expect(() => chart.toJson()).toThrowError(/other\/Sneaky/);
  });

  it('fails synthesis when a NetworkPolicy elsewhere opens egress for the agent pods', () => {
    const { chart } = app(1, (other) =>
      new ApiObject(other, 'Open', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'open', namespace: 'ops-agents' },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] },
      }),
    );
    expect(() => chart.toJson()).toThrowError(/GT-NET-002/);
  });

  it('fails to suppress an error rule', () => {
    const { chart } = app(1, undefined, [{ ruleId: 'GT-K8S-001', reason: 'we really want this one' }]);
    expect(() => chart.toJson()).toThrowError(/GT-K8S-001: it is an error .* cannot be suppressed/);
  });

  it('records a warning suppression and its reason on the ServiceAccount', () => {
    const { chart } = app(1, undefined, [{ ruleId: 'GT-NET-003', reason: 'metrics scraper needs ingress' }]);
    const sa = one(chart.toJson() as Manifest[], 'ServiceAccount');
    expect(sa.metadata?.annotations?.['graduated-trust.dev/guard-suppressions']).toBe('GT-NET-003: metrics scraper needs ingress');
  });
});
