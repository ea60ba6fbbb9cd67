import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipelineDemo, type DemoRun } from '../../scripts/pipeline-demo';
import { parsePolicy } from '../../src/gate/policy-file';
import { tempDir } from '../support/cli';

const COMMITTED_STATE = join(__dirname, '../../examples/trust/incident-responder.json');

describe('npm run pipeline:demo', () => {
  const committed = readFileSync(COMMITTED_STATE, 'utf8');
  let dir: string;
  let runs: DemoRun[];

  beforeAll(async () => {
    dir = tempDir('gt-pipeline-');
    runs = await runPipelineDemo(dir);
  }, 120_000);

  const pr = (i: number) => runs[i]!.pullRequest!;

  it('promotes 2 -> 3, 3 -> 4, demotes 4 -> 3 and on a scope violation 3 -> 1, then keeps phase 1 twice: every run changes the state file', () => {
    expect(runs.map((r) => [r.decision.action, r.decision.from, r.decision.to, r.exitCode, r.stateChanged])).toEqual([
      ['promote', 2, 3, 2, true], ['promote', 3, 4, 2, true], ['demote', 4, 3, 2, true],
      ['demote', 3, 1, 2, true], ['hold', 1, 1, 0, true], ['hold', 1, 1, 0, true],
    ]);
    expect(runs.every((r) => r.decision.changesState && r.pullRequest !== undefined)).toBe(true);
  });

  it('opens a PR when the state file changes without a phase change: an urgent one when a violation restarts phase 1 and extends the hold', () => {
    const body = pr(4).body;
    expect(pr(4).title).toBe('chore(trust): hold incident-responder at phase 1 (Shadow)');
    expect(pr(4).labels).toEqual(['trust-gate', 'trust-bookkeeping', 'trust-phase-1', 'urgent']);
    expect(body).toContain('### Scope violations acted on now');
    expect(body).toContain('get secrets in payments (outside shop)');
    expect(body).toContain('The phase stays; this records which violations were acted on and the hold. Merge to keep the bookkeeping.');
    expect(body).not.toContain('### Blast radius');
    expect(body.endsWith('\n---\nTrust report: report.html (one HTML file, opens offline).\n')).toBe(true);
    expect(existsSync(join(runs[4]!.dir, 'after'))).toBe(false);
  });

  it('opens a PR, not urgent, when an investigation-closed record lifts the hold', () => {
    expect(pr(5).labels).toEqual(['trust-gate', 'trust-bookkeeping', 'trust-phase-1']);
    expect(pr(5).body).toContain('- hold lifted: investigation closed at 2027-03-25T10:00:00Z by sre-lead@example.com');
    expect(pr(5).body).not.toContain('### Blast radius');
    expect(pr(5).body).not.toContain('Scope violations acted on now');
  });

  it('labels the demotion a scope violation causes urgent, with the hold and the blast radius', () => {
    expect(pr(3).labels).toEqual(['trust-gate', 'trust-demotion', 'trust-phase-1', 'urgent']);
    expect(pr(3).body).toContain('**Hold** since 2027-03-12T00:00:00Z');
    expect(pr(3).body).toContain('### Blast radius');
  });

  it('opens a promotion PR whose body is the decision followed by the blast radius of the synthesized change', () => {
    const body = pr(0).body;
    expect(pr(0).title).toBe('chore(trust): promote incident-responder to phase 3 (Limited Remediation)');
    expect(body.startsWith('## Trust gate: promote incident-responder to phase 3 (Limited Remediation)\n')).toBe(true);
    expect(body).toContain('| 2->3 operatorVerdicts | 153 |  | ≥ 150 | 153 | ✅ |');
    expect(body).toContain('It needs 1 approving reviewer.');
    const radius = body.indexOf('### Blast radius: `ops-agents/incident-responder`, phase 2 (Read-Only Assist) → phase 3 (Limited Remediation)');
    expect(radius).toBeGreaterThan(body.indexOf('### Review'));
    expect(body).toContain('+ patch apps/deployments "checkout" in shop');
    expect(body).toContain('+ iam ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout');
    expect(body.endsWith('---\nTrust report: report.html (one HTML file, opens offline).\n')).toBe(true);
    expect(pr(0).labels).toEqual(['trust-gate', 'trust-promotion', 'trust-phase-3']);
  });

  it('says a promotion to phase 4 needs two approving reviewers', () => {
    expect(pr(1).body).toContain('It needs 2 approving reviewers (the policy asks 2 distinct sign-offs for 3->4).');
    expect(pr(1).body).toContain('| 3->4 signoffs | 2 |  | ≥ 2 | 2 | ✅ |');
    expect(pr(1).body).toContain('+ admits scale apps/deployments in shop: replicas 1–20');
    expect(pr(1).body).toContain('! k8s write admission: approval → actions');
    expect(pr(1).body).toContain('! vault token_ttl 1800s → 3600s');
    expect(pr(1).labels).toEqual(['trust-gate', 'trust-promotion', 'trust-phase-4']);
  });

  it('labels a demotion PR urgent and says it is never blocked on gates', () => {
    const body = pr(2).body;
    expect(pr(2).labels).toEqual(['trust-gate', 'trust-demotion', 'trust-phase-3', 'urgent']);
    expect(body).toContain('**Urgent.** Demotions are never blocked on gates');
    expect(body).toContain('- remediations rolled back over the recent window is 5% (4/80), not ≤ 2%: drop one phase');
    expect(body).toContain('**0 gained, 11 lost, 7 changed**');
    expect(body).toContain('- admits scale apps/deployments in shop: replicas 1–20');
    expect(body).toContain('! vault update secret/data/shop/checkout/flags: approval none → operator token from role incident-responder-approval (1 use, at most 900s)');
    expect(body).toContain('! k8s write admission: actions → approval');
    expect(body).not.toContain('approving reviewer');
  });

  it('writes a conventional commit message with trust trailers for every PR', () => {
    expect(pr(0).commitMessage).toMatch(/^chore\(trust\): promote incident-responder to phase 3 \(Limited Remediation\)\n\n- 2->3 gates passed: /);
    expect(pr(0).commitMessage).toMatch(/\n\nTrust-Phase: 2 -> 3\nTrust-Evidence: sha256:[0-9a-f]{64}\nTrust-Policy: sha256:[0-9a-f]{64}\n$/);
    expect(pr(1).commitMessage).toContain('Trust-Phase: 3 -> 4');
    expect(pr(2).commitMessage).toContain('Trust-Phase: 4 -> 3');
  });

  it('writes the files the workflow hands to the pull request, and a trust report per run', () => {
    for (const run of runs) {
      expect(readFileSync(join(run.dir, 'pr-body.md'), 'utf8')).toBe(run.pullRequest!.body);
      expect(readFileSync(join(run.dir, 'labels.txt'), 'utf8')).toBe(run.pullRequest!.labels.join('\n') + '\n');
      expect(readFileSync(join(run.dir, 'commit-message.txt'), 'utf8')).toBe(run.pullRequest!.commitMessage);
      expect(existsSync(join(run.dir, 'before/dist/incident-responder.k8s.yaml'))).toBe(true);
      expect(existsSync(join(run.dir, 'after/cdktf.out/stacks/incident-responder/cdk.tf.json'))).toBe(run.exitCode === 2);
      expect(readFileSync(join(run.dir, 'report.html'), 'utf8')).toContain(`gate would <strong>${run.decision.action}</strong>`);
    }
  });

  it('records every decision in the copied state file, which history prints', () => {
    const state = JSON.parse(readFileSync(join(dir, 'trust/incident-responder.json'), 'utf8')) as { phase: number; since: string; hold?: unknown; violationsActed: string[]; history: { from: number; to: number; kind: string }[] };
    expect(state).toMatchObject({ phase: 1, since: '2027-03-22T00:00:00Z' });
    expect(state.hold ?? null).toBeNull();
    expect(state.violationsActed).toHaveLength(2);
    expect(state.history.slice(2).map((h) => [h.from, h.to, h.kind])).toEqual([[2, 3, 'evaluate'], [3, 4, 'evaluate'], [4, 3, 'evaluate'], [3, 1, 'evaluate'], [1, 1, 'evaluate']]);
    expect(readFileSync(join(dir, 'history.txt'), 'utf8')).toContain('incident-responder: 7 phase changes, oldest first');
  });

  it('evaluates under the demo team\'s calibrated policy, which parses and keeps confidence bounds', () => {
    const policy = parsePolicy(readFileSync(join(__dirname, '../../examples/pipeline/policy.yaml'), 'utf8'), 'examples/pipeline/policy.yaml');
    expect(policy.confidence).toBe(0.8);
    expect(pr(0).body).toContain('lower 80% bound 91.18% (needs > 90%)');
  });

  it('never writes the committed state file', () => {
    expect(readFileSync(COMMITTED_STATE, 'utf8')).toBe(committed);
  });

  it('writes the same pull requests on every run', async () => {
    const again = await runPipelineDemo(tempDir('gt-pipeline-'));
    expect(again.map((r) => r.pullRequest)).toEqual(runs.map((r) => r.pullRequest));
    expect(readFileSync(join(again[2]!.dir, 'report.html'), 'utf8')).toBe(readFileSync(join(runs[2]!.dir, 'report.html'), 'utf8'));
  }, 120_000);
});
