import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli';

const minimal = '{"agent": "x", "phase": 2, "since": "2026-05-01T00:00:00Z"}';

describe('trust-gate set-phase', () => {
  it('writes the new phase with history and prints the change', async () => {
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, minimal);
    const run = await runCli(['set-phase', '--state', file, '--phase', '3', '--by', 'alice', '--reason', 'gate passed, PR #42']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`x: phase 2 (Read-Only Assist) -> phase 3 (Limited Remediation) (written to ${file})\n`);
    const state = JSON.parse(readFileSync(file, 'utf8'));
    expect(state).toMatchObject({ phase: 3, since: '2026-11-25T12:00:00Z' });
    expect(state.history[0]).toMatchObject({ from: 2, to: 3, by: 'alice', kind: 'set-phase' });
  });

  it('creates the file when absent and --agent is given', async () => {
    const file = join(tempDir(), 'new.json');
    const run = await runCli(['set-phase', '--state', file, '--phase', '1', '--by', 'bob', '--reason', 'onboard', '--agent', 'new']);
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ agent: 'new', phase: 1 });
  });

  it('fails on an unknown phase and leaves the file untouched', async () => {
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, minimal);
    const run = await runCli(['set-phase', '--state', file, '--phase', '5', '--by', 'a', '--reason', 'r']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--phase "5" is not a phase; use 1 \(Shadow\)/);
    expect(readFileSync(file, 'utf8')).toBe(minimal);
  });

  it('fails on an unreadable state file, naming file and line, and leaves it untouched', async () => {
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, '{\n"agent": "x",\n"phase": 2,,\n}');
    const run = await runCli(['set-phase', '--state', file, '--phase', '3', '--by', 'a', '--reason', 'r']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:3: not valid JSON`);
    expect(readFileSync(file, 'utf8')).toBe('{\n"agent": "x",\n"phase": 2,,\n}');
  });

  it('fails without --agent when the file is absent and creates nothing', async () => {
    const file = join(tempDir(), 'none.json');
    const run = await runCli(['set-phase', '--state', file, '--phase', '1', '--by', 'a', '--reason', 'r']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/pass --agent NAME to create it/);
    expect(existsSync(file)).toBe(false);
  });

  it('fails on a missing required flag with the usage line', async () => {
    const run = await runCli(['set-phase', '--state', 'x.json', '--phase', '1', '--by', 'a']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--reason is required\nusage: trust-gate set-phase/);
  });

  it('fails on an unknown flag', async () => {
    const run = await runCli(['set-phase', '--stat', 'x.json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Unknown option '--stat'/);
  });
});

describe('trust-gate status', () => {
  it('prints the committed phase as text and json', async () => {
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, minimal);
    expect((await runCli(['status', '--state', file])).stdout).toBe(
      'agent:  x\nphase:  phase 2 (Read-Only Assist): read-only; recommendations reach a human, the human acts\nsince:  2026-05-01T00:00:00Z\n',
    );
    const json = JSON.parse((await runCli(['status', '--state', file, '--format', 'json'])).stdout);
    expect(json).toEqual({ agent: 'x', phase: 2, phaseName: 'Read-Only Assist', since: '2026-05-01T00:00:00Z', hold: null, revision: null, changes: 0 });
  });

  it('fails on a missing state file and on an unknown format', async () => {
    expect((await runCli(['status', '--state', '/nonexistent.json'])).stderr).toMatch(/state file does not exist; create it with/);
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, minimal);
    const run = await runCli(['status', '--state', file, '--format', 'yaml']);
    expect(run).toMatchObject({ code: 1 });
    expect(run.stderr).toMatch(/--format "yaml" is not supported; use one of text, json/);
  });

  it('fails on an unknown command with the list of commands', async () => {
    const run = await runCli(['promote']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/unknown command "promote"; use one of .*set-phase.*status/);
  });
});

describe('trust-gate set-phase --now', () => {
  it('fails on a time without a zone and leaves the file untouched', async () => {
    const file = join(tempDir(), 'x.json');
    writeFileSync(file, minimal);
    const run = await runCli(['set-phase', '--state', file, '--phase', '3', '--by', 'a', '--reason', 'r', '--now', '2026-11-25T10:00:00']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--now "2026-11-25T10:00:00" is not an ISO-8601 time with a zone/);
    expect(readFileSync(file, 'utf8')).toBe(minimal);
  });

  it('keeps a hold through a manual override: a person changes the phase, not the open investigation', async () => {
    const file = join(tempDir(), 'x.json');
    const hold = { reason: 'scope violation', since: '2026-11-01T00:00:00Z', violationAt: '2026-10-31T00:00:00Z' };
    writeFileSync(file, JSON.stringify({ ...JSON.parse(minimal), hold }));
    expect((await runCli(['set-phase', '--state', file, '--phase', '1', '--by', 'a', '--reason', 'r', '--now', '2026-11-25T10:00:00Z'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).hold).toEqual(hold);
  });
});

describe('trust-gate --help', () => {
  it('prints the usage of every command on stdout and exits 0', async () => {
    for (const command of ['set-phase', 'status', 'evaluate', 'history', 'access', 'diff', 'report']) {
      const run = await runCli([command, '--help']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^usage: trust-gate ${command} `));
    }
  });

  it('lists the commands with no arguments on stderr and exits 1', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^usage: trust-gate <command>/);
  });
});
