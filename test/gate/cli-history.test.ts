import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli';

const state = {
  agent: 'incident-responder',
  phase: 2,
  since: '2026-10-01T00:00:00Z',
  history: [
    { from: null, to: 1, at: '2026-08-01T00:00:00Z', by: 'alice', reasons: ['onboarded in shadow mode'], kind: 'set-phase' },
    { from: 1, to: 2, at: '2026-10-01T00:00:00Z', by: 'trust-gate evaluate', reasons: ['1->2 gates passed'], kind: 'evaluate', evidenceDigest: 'sha256:aa', policyDigest: 'sha256:bb' },
  ],
};

function file(content: unknown): string {
  const f = join(tempDir(), 'agent.json');
  writeFileSync(f, JSON.stringify(content));
  return f;
}

describe('trust-gate history', () => {
  it('prints the phase changes oldest first, with reasons and digests', async () => {
    const r = await runCli(['history', '--state', file(state)]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe([
      'incident-responder: 2 phase changes, oldest first',
      '',
      '2026-08-01T00:00:00Z  created -> phase 1 (Shadow)  (set-phase by alice)',
      '    onboarded in shadow mode',
      '',
      '2026-10-01T00:00:00Z  phase 1 (Shadow) -> phase 2 (Read-Only Assist)  (evaluate by trust-gate evaluate)',
      '    1->2 gates passed',
      '    evidence sha256:aa',
      '    policy sha256:bb',
      '',
    ].join('\n'));
  });

  it('prints one JSON object with --format json', async () => {
    const r = await runCli(['history', '--state', file(state), '--format', 'json']);
    expect(JSON.parse(r.stdout)).toEqual({ agent: 'incident-responder', phase: 2, since: '2026-10-01T00:00:00Z', history: state.history });
  });

  it('says so when nothing was recorded', async () => {
    const r = await runCli(['history', '--state', file({ agent: 'x', phase: 1, since: '2026-10-01T00:00:00Z' })]);
    expect(r.stdout).toBe('x: no recorded phase changes; phase 1 (Shadow) since 2026-10-01T00:00:00Z\n');
  });

  it('fails on a missing state file', async () => {
    const r = await runCli(['history', '--state', join(tempDir(), 'none.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/state file does not exist/);
  });
});
