import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPipelineDemo, type DemoRun } from '../../scripts/pipeline-demo';
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

  it('promotes 2 -> 3, then 3 -> 4, then demotes 4 -> 3, each run exiting 2 from evaluate --write --detailed-exitcode', () => {
    expect(runs.map((r) => [r.decision.action, r.decision.from, r.decision.to, r.exitCode])).toEqual([
      ['promote', 2, 3, 2], ['promote', 3, 4, 2], ['demote', 4, 3, 2],
    ]);
  });

  it('opens a promotion PR whose body is the decision followed by the blast radius of the synthesized change', () => {
    const body = pr(0).body;
    expect(pr(0).title).toBe('chore(trust): promote incident-responder to phase 3 (Limited Remediation)');
    expect(body.startsWith('## Trust gate: promote incident-responder to phase 3 (Limited Remediation)\n')).toBe(true);
    expect(body).toContain('| 2->3 operatorVerdicts | 153 | ≥ 150 | 153 | ✅ |');
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
    expect(pr(1).body).toContain('| 3->4 signoffs | 2 | ≥ 2 | 2 | ✅ |');
    expect(pr(1).body).toContain('+ update apps/deployments in shop');
    expect(pr(1).body).toContain('! vault token_ttl 1800s → 3600s');
    expect(pr(1).labels).toEqual(['trust-gate', 'trust-promotion', 'trust-phase-4']);
  });

  it('labels a demotion PR urgent and says it is never blocked on gates', () => {
    const body = pr(2).body;
    expect(pr(2).labels).toEqual(['trust-gate', 'trust-demotion', 'trust-phase-3', 'urgent']);
    expect(body).toContain('**Urgent.** Demotions are never blocked on gates');
    expect(body).toContain('- remediations rolled back over the recent window is 5% (4/80), not ≤ 2%: drop one phase');
    expect(body).toContain('**0 gained, 10 lost, 3 changed**');
    expect(body).toContain('- update apps/deployments in shop');
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
      expect(existsSync(join(run.dir, 'after/cdktf.out/stacks/incident-responder/cdk.tf.json'))).toBe(true);
      expect(readFileSync(join(run.dir, 'report.html'), 'utf8')).toContain(`gate would <strong>${run.decision.action}</strong>`);
    }
  });

  it('records every decision in the copied state file, which history prints', () => {
    const state = JSON.parse(readFileSync(join(dir, 'trust/incident-responder.json'), 'utf8')) as { phase: number; since: string; history: { from: number; to: number; kind: string }[] };
    expect(state).toMatchObject({ phase: 3, since: '2027-03-03T00:00:00Z' });
    expect(state.history.slice(2).map((h) => [h.from, h.to, h.kind])).toEqual([[2, 3, 'evaluate'], [3, 4, 'evaluate'], [4, 3, 'evaluate']]);
    expect(readFileSync(join(dir, 'history.txt'), 'utf8')).toContain('incident-responder: 5 phase changes, oldest first');
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
