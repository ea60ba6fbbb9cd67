import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatState, parseState, readState, writeFileAtomic, writeState } from '../../src/state/file';
import { lockPath, withStateLock } from '../../src/state/lock';
import type { StateFile } from '../../src/state/schema';
import { runCli, tempDir } from '../support/cli';

const STATE: StateFile = { agent: 'incident-responder', phase: 3, since: '2026-10-01T00:00:00Z' };
const RUN_CLI = join(__dirname, 'run-cli.ts');

/** Runs `trust-gate ARGS` as a separate process. */
function trustGate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('parseState', () => {
  it('fails on a key given twice, naming FILE:LINE of the second and the line of the first', () => {
    const text = '{\n  "agent": "x",\n  "phase": 1,\n  "since": "2026-05-01T00:00:00Z",\n  "phase": 4\n}\n';
    expect(() => parseState(text, 'trust/x.json')).toThrow(/^trust\/x\.json:5: field "phase" appears twice in one object \(first at line 3\); JSON keeps only the last/);
  });

  it('fails on a key given twice inside history, naming the path', () => {
    const text = '{"agent": "x", "phase": 1, "since": "2026-05-01T00:00:00Z",\n"history": [{"from": null, "to": 1, "to": 4}]}';
    expect(() => parseState(text, 's.json')).toThrow(/^s\.json:2: field "history\.0\.to" appears twice/);
  });

  it('warns about an unknown top-level field with FILE:LINE, keeps it, and is quiet about x- fields', () => {
    const warnings: string[] = [];
    const text = '{\n  "agent": "x",\n  "phase": 1,\n  "since": "2026-05-01T00:00:00Z",\n  "phsae": 4,\n  "x-team": "sre"\n}\n';
    const state = parseState(text, 's.json', (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(/^s\.json:5: unknown field "phsae" is kept as it is, but trust-gate does not read it .*name a field of your own "x-phsae"/)]);
    expect((state as Record<string, unknown>)['phsae']).toBe(4);
  });

  it('prints the warning from every command that reads the state', async () => {
    const file = join(tempDir(), 's.json');
    writeFileSync(file, '{"agent": "x", "phase": 1, "since": "2026-05-01T00:00:00Z", "hodl": null}\n');
    const run = await runCli(['status', '--state', file]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`trust-gate status: warning: ${file.replace(/\./g, '\\.')}:1: unknown field "hodl"`));
  });

  it('fails on nesting deeper than a state file has, with FILE:LINE and no stack overflow', () => {
    const text = `{"agent": "x", "phase": 1, "since": "2026-05-01T00:00:00Z", "x-deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => parseState(text, 's.json')).toThrow(/^s\.json:1: nested deeper than 64 levels/);
  });
});

describe('writing a state file', () => {
  it('writes through a symbolic link: the target gets the demotion and the link stays a link', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    writeState(join(dir, 'real', 'x.json'), STATE);
    symlinkSync(join('real', 'x.json'), join(dir, 'x.json'));
    writeState(join(dir, 'x.json'), { ...STATE, phase: 1 });
    expect(lstatSync(join(dir, 'x.json')).isSymbolicLink()).toBe(true);
    expect(readState(join(dir, 'real', 'x.json')).phase).toBe(1);
  });

  it('fails on a link to nothing, writing nothing', () => {
    const dir = tempDir();
    symlinkSync('missing.json', join(dir, 'x.json'));
    expect(() => writeState(join(dir, 'x.json'), STATE)).toThrow(/is a symbolic link to nothing/);
    expect(existsSync(join(dir, 'missing.json'))).toBe(false);
  });

  it('keeps the file\'s mode', () => {
    const file = join(tempDir(), 'x.json');
    writeState(file, STATE);
    chmodSync(file, 0o640);
    writeState(file, { ...STATE, phase: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o640);
  });

  it('removes temp files a killed write left behind, and leaves those of running writers', () => {
    const dir = tempDir();
    const file = join(dir, 'x.json');
    writeFileSync(join(dir, '.x.json.999999.tmp'), 'x'.repeat(1024 * 1024)); // no such process
    writeFileSync(join(dir, `.x.json.${process.ppid}.tmp`), 'partial'); // a running process
    writeState(file, STATE);
    expect(readdirSync(dir).sort()).toEqual([`.x.json.${process.ppid}.tmp`, 'x.json']);
  });

  it('names the folder that does not exist, and writes nothing', () => {
    const dir = tempDir();
    expect(() => writeFileAtomic(join(dir, 'trust', 'x.json'), formatState(STATE))).toThrow(new RegExp(`the folder "${dir}/trust" does not exist; create it \\(mkdir -p`));
  });
});

describe('trust-gate set-phase in an empty repository', () => {
  it('creates the missing folders, says so, and never claims a previous file', async () => {
    const dir = tempDir();
    const file = join(dir, 'trust', 'agents', 'x.json');
    const run = await runCli(['set-phase', '--state', file, '--phase', '1', '--agent', 'x', '--by', 'alice', '--reason', 'onboarding']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`x: created at phase 1 (Shadow) (written to ${file}; created the folder ${join(dir, 'trust', 'agents')})\n`);
    expect(run.stdout).not.toMatch(/previous/);
    expect(readState(file).phase).toBe(1);
  });

  it('names the path that is in the way when a folder cannot be created', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'trust'), 'a file, not a folder');
    const run = await runCli(['set-phase', '--state', join(dir, 'trust', 'x.json'), '--phase', '1', '--agent', 'x', '--by', 'alice', '--reason', 'r']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/"[^"]*trust" is a file, not a folder, so the state file cannot go in it; move that file or choose another --state; nothing was written/);
  });
});

describe('the state lock', () => {
  it('fails at once naming the holder, and releases the lock on an error', async () => {
    const file = join(tempDir(), 'x.json');
    writeState(file, STATE);
    await withStateLock(file, { command: 'first' }, async () => {
      await expect(withStateLock(file, { command: 'second' }, () => 1)).rejects.toThrow(new RegExp(`is locked by first \\(pid ${process.pid} on host .*\\), which is writing it; nothing was written`));
    });
    await expect(withStateLock(file, {}, () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(existsSync(lockPath(file))).toBe(false);
  });

  it('takes over a lock whose holder died (kill -9) on this host', async () => {
    const file = join(tempDir(), 'x.json');
    writeState(file, STATE);
    writeFileSync(lockPath(file), JSON.stringify({ pid: 999999, host: (await import('node:os')).hostname(), command: 'killed', since: '2026-01-01T00:00:00Z' }));
    expect(await withStateLock(file, {}, () => 'ran')).toBe('ran');
    expect(existsSync(lockPath(file))).toBe(false);
  });

  it('serialises many concurrent set-phase processes: every change is recorded, none lost', async () => {
    const file = join(tempDir(), 'x.json');
    writeState(file, STATE);
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      trustGate(['set-phase', '--state', file, '--phase', String((i % 3) + 1), '--by', `writer-${i}`, '--reason', `change ${i}`, '--lock-timeout', '60s'])));
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
    const history = readState(file).history ?? [];
    expect(history.map((h) => h.by).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `writer-${i}`).sort());
    expect(existsSync(lockPath(file))).toBe(false);
  }, 60_000);

  it('lets exactly one of many concurrent evaluate --write processes act on a violation; the rest find nothing to write', async () => {
    const dir = tempDir();
    const file = join(dir, 'x.json');
    writeState(file, STATE);
    const evidence = join(dir, 'e.jsonl');
    writeFileSync(evidence, `${JSON.stringify({ type: 'scope-violation', agent: STATE.agent, at: '2026-11-20T00:00:00Z', source: 'k8s-audit', detail: 'delete pods in payments' })}\n`);
    const runs = await Promise.all(Array.from({ length: 6 }, () =>
      trustGate(['evaluate', '--state', file, '--evidence', evidence, '--now', '2026-11-25T00:00:00Z', '--write', '--lock-timeout', '60s'])));
    expect(runs.map((r) => r.code)).toEqual(Array(6).fill(0));
    expect(runs.filter((r) => /wrote /.test(r.stderr))).toHaveLength(1);
    expect(runs.filter((r) => /unchanged: nothing to write/.test(r.stderr))).toHaveLength(5);
    const written = readState(file);
    expect(written.phase).toBe(1);
    expect(written.history).toHaveLength(1);
    expect(written.violationsActed).toHaveLength(1);
  }, 60_000);

  it('without a lock timeout, a concurrent writer fails naming the holder and writes nothing', async () => {
    const file = join(tempDir(), 'x.json');
    writeState(file, STATE);
    const before = readFileSync(file, 'utf8');
    await withStateLock(file, { command: 'trust-gate evaluate --write' }, async () => {
      const run = await trustGate(['set-phase', '--state', file, '--phase', '1', '--by', 'bob', '--reason', 'r']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/is locked by trust-gate evaluate --write \(pid \d+ on host .*\), which is writing it; nothing was written/);
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
  }, 30_000);
});
