import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

const fixtures = join(__dirname, '..', 'fixtures');
const phase3 = join(fixtures, 'synth', 'phase-3');
const k8s = join(fixtures, 'audit', 'k8s-audit-v1-agent.jsonl');

describe('trust-gate usage', () => {
  it('prints the grants used and never used as markdown', async () => {
    const run = await runCli(['usage', phase3, '--agent', 'ops-agents/incident-responder', '--k8s-audit', k8s, '--format', 'markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('| Kubernetes API | `get, list, watch nodes, namespaces cluster-wide` | 1 | 2026-11-20T10:09:01.123Z |');
    const never = run.stdout.slice(run.stdout.indexOf('#### Never used'));
    expect(never).toContain('| Kubernetes API | `get, list, watch events.k8s.io/events in shop` |');
    expect(never).toContain('Vault: no log given');
  });

  it('proposes the narrower definition of the example with its blast radius', async () => {
    const run = await runCli(['usage', phase3, '--agent', 'ops-agents/incident-responder', '--k8s-audit', k8s, '--definition', join(__dirname, '..', '..', 'examples', 'incident-responder.ts')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("+  { apiGroups: [''], resources: ['nodes'], verbs: ['get'], clusterScoped: true },");
    expect(run.stdout).toContain('  - list nodes cluster-wide');
    expect(run.stdout).not.toMatch(/^ {2}\+ /m);
  });

  it('fails naming the agents in the output when --agent is not one of them', async () => {
    const run = await runCli(['usage', phase3, '--agent', 'ops-agents/other', '--k8s-audit', k8s]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('agent ops-agents/other is not in the output; it holds ops-agents/incident-responder');
  });

  it('fails when CloudTrail is given without the role ARN', async () => {
    const run = await runCli(['usage', phase3, '--agent', 'ops-agents/incident-responder', '--cloudtrail', k8s]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--cloudtrail needs --aws-role-arn');
  });
});
