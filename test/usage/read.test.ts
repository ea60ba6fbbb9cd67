import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSynthOutput } from '../../src/analysis/read';
import { fileSource } from '../../src/gate/files';
import { readUsage } from '../../src/usage/read';
import { irsaRole, output, rbac, serviceAccount } from './helpers';

const audit = (f: string) => fileSource(join(__dirname, '..', 'fixtures', 'audit', f));
const phase3 = readSynthOutput(join(__dirname, '..', 'fixtures', 'synth', 'phase-3'));
const agent = { namespace: 'ops-agents', name: 'incident-responder' };
const roleArn = 'arn:aws:iam::111122223333:role/incident-responder';

describe('usage of the example agent on the shipped agent logs', () => {
  it('counts denials as the gate does and maps allowed requests to the grants of the phase-3 output', async () => {
    const { report } = await readUsage(phase3, agent, [
      { kind: 'k8s-audit', source: audit('k8s-audit-v1-agent.jsonl') },
      { kind: 'vault-audit', source: audit('vault-audit-agent.jsonl') },
      { kind: 'cloudtrail', source: audit('cloudtrail-agent.jsonl'), roleArn },
    ]);
    // GIVEN the scope violations SOURCES.md lists: 5 Kubernetes, 2 Vault, 3 AWS
    expect([report.kubernetes.denied, report.vault.denied, report.aws.denied]).toEqual([5, 2, 3]);
    // the two reads without objectRef are read from their URI
    expect(report.kubernetes.used.map((g) => [g.grant, g.count])).toEqual([
      ['get, list, watch nodes, namespaces cluster-wide', 1],
      ['get, list, watch pods, pods/log, events, services, endpoints, configmaps in shop', 1],
    ]);
    // create pods and update deployments were authorized by something the output does not hold
    expect(report.kubernetes.unexplained.map((p) => p.part)).toEqual(['create pods in shop', 'update apps/deployments in shop']);
    expect(report.vault.used).toEqual([expect.objectContaining({ grant: 'secret/data/agents/incident-responder/*: read', count: 1, lastUse: '2026-11-20T10:00:02.223Z' })]);
    expect(report.vault.unused.map((g) => g.grant)).toEqual(['secret/data/shop/checkout/flags: read', 'secret/metadata/agents/incident-responder/*: list']);
    expect(report.aws.unused.map((g) => g.grant)).toContain('logs:FilterLogEvents on arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/shop/*');
  });

  it('counts only requests inside the window', async () => {
    const { report } = await readUsage(phase3, agent, [{ kind: 'k8s-audit', source: audit('k8s-audit-v1-agent.jsonl') }], { sinceMs: Date.parse('2026-11-20T10:30:00Z') });
    expect(report.kubernetes.used.map((g) => g.grant)).toEqual(['get, list, watch pods, pods/log, events, services, endpoints, configmaps in shop']);
    expect(report.window).toEqual({ since: '2026-11-20T10:30:00.000Z', until: null });
  });

  it('fails naming the agents of the output when the agent is not there', async () => {
    await expect(readUsage(phase3, { namespace: 'ops-agents', name: 'nobody' }, [])).rejects.toThrow(/not in the output; it holds ops-agents\/incident-responder/);
  });
});

describe('usage on the real public samples', () => {
  const sa1 = { namespace: 'ns1', name: 'sa1' };

  it('maps the one allowed request of sa1 in the audit2rbac demo to the ClusterRole rule that allows it', async () => {
    // GIVEN sa1 may list pods everywhere and, through a RoleBinding of a ClusterRole, read nodes in ns1 only
    const out = output([
      serviceAccount('ns1', 'sa1'),
      rbac.clusterRole('pods-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]),
      rbac.clusterRoleBinding('sa1-pods', 'pods-reader', sa1),
      rbac.clusterRole('nodes-reader', [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]),
      rbac.roleBinding('ns1', 'sa1-nodes', 'ClusterRole', 'nodes-reader', sa1),
    ]);
    const { report } = await readUsage(out, sa1, [{ kind: 'k8s-audit', source: audit('k8s-audit-audit2rbac-demo.jsonl') }]);
    expect(report.kubernetes.denied).toBe(4);
    expect(report.kubernetes.used).toEqual([expect.objectContaining({ grant: 'list pods cluster-wide', count: 1, via: 'ClusterRoleBinding sa1-pods → ClusterRole pods-reader, rule 1' })]);
    expect(report.kubernetes.unused.map((g) => g.grant)).toEqual(['list nodes in ns1']);
  });

  it('maps the allowed CloudTrail call of the trailscraper sample to the statement with the matching action wildcard', async () => {
    const out = output([serviceAccount('ops', 'scaler')], [
      irsaRole('someRole', 'system:serviceaccount:ops:scaler', [
        { Sid: 'Describe', Effect: 'Allow', Action: 'autoscaling:Describe*', Resource: '*' },
        { Sid: 'Assume', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::111111111111:role/other' },
      ]),
    ]);
    const { report } = await readUsage(out, { namespace: 'ops', name: 'scaler' }, [
      { kind: 'cloudtrail', source: audit('cloudtrail-trailscraper-s3-logfile.json'), roleArn: 'arn:aws:iam::111111111111:role/someRole' },
    ]);
    expect(report.aws.used.map((g) => [g.grant, g.count])).toEqual([['autoscaling:Describe* on *', 1]]);
    // the AssumeRole record is a service assuming the role, not a call of its sessions
    expect(report.aws.allowed).toBe(1);
    expect(report.aws.unused.map((g) => g.grant)).toEqual(['sts:AssumeRole on arn:aws:iam::111111111111:role/other']);
  });
});
