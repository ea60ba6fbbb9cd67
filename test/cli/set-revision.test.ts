import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readState } from '../../src/state/file';
import { runCli, tempDir } from '../support/cli';

const STATE = { agent: 'x', phase: 3, since: '2026-09-01T00:00:00Z' };

function stateFile(): string {
  const file = join(tempDir(), 'x.json');
  writeFileSync(file, JSON.stringify(STATE, null, 2) + '\n');
  return file;
}

const change = (file: string, ...flags: string[]) => runCli(['set-revision', '--state', file, ...flags, '--by', 'alice', '--reason', 'prompt v7']);

describe('trust-gate set-revision', () => {
  it('records the first revision without touching the phase: the evidence so far is taken as its evidence', async () => {
    const file = stateFile();
    const run = await change(file, '--revision', 'v1');
    expect(run).toMatchObject({ code: 0, stdout: `x: first recorded revision v1: the evidence so far is taken as evidence of it (phase 3 (Limited Remediation); written to ${file})\n` });
    const state = readState(file);
    expect(state).toMatchObject({ phase: 3, since: STATE.since, revision: { id: 'v1', since: '2026-11-25T12:00:00Z' } });
    expect(state.history).toEqual([expect.objectContaining({ kind: 'set-revision', revision: 'v1', revisionAction: 'keep', from: 3, to: 3, by: 'alice' })]);
  });

  it('drops a phase that writes to the highest read-only phase on a new revision (the default), recorded in history', async () => {
    const file = stateFile();
    await change(file, '--revision', 'v1');
    const run = await change(file, '--model', 'sha256:m2', '--prompt', 'sha256:p7', '--toolset', 'sha256:t1');
    expect(run.stdout).toBe(`x: revision v1 -> model=sha256:m2;prompt=sha256:p7;toolset=sha256:t1: drop to phase 2 (Read-Only Assist) until the new revision earns the phases above again (phase 3 (Limited Remediation) -> phase 2 (Read-Only Assist); written to ${file})\n`);
    const state = readState(file);
    expect(state).toMatchObject({ phase: 2, since: '2026-11-25T12:00:00Z', revision: { id: 'model=sha256:m2;prompt=sha256:p7;toolset=sha256:t1', model: 'sha256:m2', prompt: 'sha256:p7', toolset: 'sha256:t1' } });
    expect(state.history?.at(-1)).toMatchObject({ kind: 'set-revision', from: 3, to: 2, revisionAction: { dropTo: 2 } });
  });

  it('follows the policy file: keep the phase', async () => {
    const file = stateFile();
    const policy = join(tempDir(), 'p.yaml');
    writeFileSync(policy, 'revisionChange:\n  3: keep\n');
    await change(file, '--revision', 'v1');
    await change(file, '--revision', 'v2', '--policy', policy);
    expect(readState(file)).toMatchObject({ phase: 3, since: STATE.since, revision: { id: 'v2' } });
  });

  it('writes nothing when the revision is already the current one', async () => {
    const file = stateFile();
    await change(file, '--revision', 'v1');
    const before = readFileSync(file, 'utf8');
    expect((await change(file, '--revision', 'v1')).stdout).toBe(`x: revision v1 is already the current one; ${file} unchanged\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('fails on both --revision and digests, and on only some digests', async () => {
    const file = stateFile();
    for (const flags of [['--revision', 'v1', '--model', 'm'], ['--model', 'm', '--prompt', 'p']]) {
      const run = await change(file, ...flags);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/give --revision ID, or all three of --model, --prompt and --toolset \(non-empty\), not both/);
    }
  });
});
