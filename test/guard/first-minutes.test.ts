/** The first five minutes (issue 12 §4): definition validation says one thing everywhere, and a definition that cannot reach its services is warned at synth. */
import { App, Chart } from 'cdk8s';
import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { runGuard } from '../../src/analysis/guard/run';
import type { AgentDefinition } from '../../src/definition/types';
import { MAX_NAME_LENGTH, validateDefinition } from '../../src/definition/validate';
import { TrustError } from '../../src/errors';
import { TrustPhasedAgent } from '../../src/k8s';
import { synthesizedManifests } from '../../src/k8s/guard';
import { TrustPhasedAgent as TerraformAgent } from '../../src/terraform';

const reads: AgentDefinition = {
  name: 'incident-responder', namespace: 'ops-agents',
  observe: {
    kubernetes: [{ apiGroups: [''], resources: ['pods'], namespaces: ['shop'] }],
    egress: [{ name: 'model-api', to: { cidr: '203.0.113.0/28' }, ports: [{ port: 8443 }] }],
  },
};

function thrown(f: () => unknown): unknown {
  try { f(); } catch (e) { return e; }
  return undefined;
}

describe('definition validation is consistent', () => {
  it('names the same name limit in every message about the name', () => {
    const messages = ['Bad_Name', 'a'.repeat(MAX_NAME_LENGTH + 1), 'a'.repeat(64)].flatMap((name) => validateDefinition({ ...reads, name }).map((p) => JSON.stringify(p)));
    expect(messages.length).toBe(3);
    for (const m of messages) expect(m).toContain(`at most ${MAX_NAME_LENGTH}`);
    expect(messages.join('\n')).not.toMatch(/at most (63|253)/);
  });

  it('fails on a networkPolicy outside the union with a TrustError naming both flavours', () => {
    const e = thrown(() => new TrustPhasedAgent(new Chart(new App(), 'c'), 'A', { definition: reads, phase: 1, networkPolicy: 'calico' as never }));
    expect(e).toBeInstanceOf(TrustError);
    expect(String(e)).toMatch(/"calico".*'kubernetes'.*'cilium'/);
  });

  it('fails on aws: {} with a TrustError saying what to give, not a TypeError', () => {
    const def = { ...reads, observe: { ...reads.observe, aws: [{ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }] } };
    const e = thrown(() => new TerraformAgent(new TerraformStack(Testing.app(), 's'), 'A', { definition: def, phase: 1, aws: {} as never }));
    expect(e).toBeInstanceOf(TrustError);
    expect(String(e)).toMatch(/aws\.trust is missing; give exactly one of .*irsa.*podIdentity/);
  });
});

describe('an agent that cannot reach its services under default-deny', () => {
  it('warns with GT-NET-004 naming the API server and the fix', () => {
    const app = new App();
    new TrustPhasedAgent(new Chart(app, 'agents'), 'A', { definition: reads, phase: 1 });
    const found = runGuard({ output: { manifests: synthesizedManifests(app), stacks: [] }, definition: reads, phase: 1 }).filter((f) => f.ruleId === 'GT-NET-004');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ level: 'warning' });
    expect(found[0]!.what).toContain('cannot reach the Kubernetes API server');
    expect(found[0]!.fix).toContain("{ cidr: '10.0.0.1/32' } on 443 and 6443");
  });

  it('does not warn once the egress names the API server', () => {
    const def = { ...reads, observe: { ...reads.observe, egress: [...reads.observe!.egress!, { name: 'kube-apiserver', to: { cidr: '10.0.0.1/32' }, ports: [{ port: 443 }] }] } };
    const app = new App();
    new TrustPhasedAgent(new Chart(app, 'agents'), 'A', { definition: def, phase: 1 });
    expect(runGuard({ output: { manifests: synthesizedManifests(app), stacks: [] }, definition: def, phase: 1 }).filter((f) => f.ruleId === 'GT-NET-004')).toEqual([]);
  });
});
