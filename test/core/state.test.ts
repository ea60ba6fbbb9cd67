import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatState, parseState, setPhase, TrustError, writeState } from '../../src';
import { tempDir } from '../support/cli';

const minimal = '{"agent": "x", "phase": 2, "since": "2026-05-01T00:00:00Z"}';

describe('state file', () => {
  it('accepts the minimal file from the brief', () => {
    expect(parseState(minimal, 'x.json')).toEqual({ agent: 'x', phase: 2, since: '2026-05-01T00:00:00Z' });
  });

  it('keeps fields it does not know', () => {
    const state = parseState('{"agent":"x","phase":1,"since":"2026-05-01T00:00:00Z","owner":"sre"}', 'x.json');
    expect(formatState(state)).toContain('"owner": "sre"');
  });

  it('fails on an unknown phase, naming file, line and field', () => {
    const text = '{\n  "agent": "x",\n  "phase": 5,\n  "since": "2026-05-01T00:00:00Z"\n}';
    expect(() => parseState(text, 'trust/x.json')).toThrowError(/^trust\/x\.json:3: field "phase" is 5: must be 1, 2, 3 or 4/);
  });

  it('fails on a missing field', () => {
    expect(() => parseState('{"agent": "x", "phase": 2}', 'x.json')).toThrowError(/^x\.json:1: field "since" is missing/);
  });

  it('fails on a time without a zone', () => {
    expect(() => parseState('{"agent":"x","phase":2,"since":"2026-05-01T00:00:00"}', 'x.json')).toThrowError(/field "since" is "2026-05-01T00:00:00": must be an ISO-8601 time with a zone/);
  });

  it('fails on broken JSON with the line of the syntax error', () => {
    expect(() => parseState('{\n"agent": "x",\n"phase": 2,,\n}', 'x.json')).toThrowError(/^x\.json:3: not valid JSON/);
    expect(() => parseState('[1]', 'x.json')).toThrowError(TrustError);
  });

  it('writes atomically and leaves no temp file behind', () => {
    const dir = tempDir();
    const file = join(dir, 'agent.json');
    writeState(file, parseState(minimal, file));
    expect(readdirSync(dir)).toEqual(['agent.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(minimal));
  });

  it('fails to write into a missing directory, naming the folder and that nothing was written', () => {
    expect(() => writeState('/nonexistent-dir/x.json', parseState(minimal, 'x'))).toThrowError('/nonexistent-dir/x.json: the folder "/nonexistent-dir" does not exist; create it (mkdir -p /nonexistent-dir) and run again; nothing was written');
  });

  it('refuses to write a state it could not read back', () => {
    const dir = tempDir();
    const file = join(dir, 'agent.json');
    writeFileSync(file, minimal);
    const bad = { ...parseState(minimal, file), phase: 9 as never };
    expect(() => writeState(file, bad)).toThrowError(/field "phase" is 9/);
    expect(readFileSync(file, 'utf8')).toBe(minimal);
  });
});

describe('setPhase', () => {
  const at = '2026-11-25T12:00:00Z';

  it('records a manual change in history and moves since', () => {
    const next = setPhase(parseState(minimal, 'x'), { phase: 3, by: 'alice', reason: 'gate passed, PR #42', at });
    expect(next).toMatchObject({ agent: 'x', phase: 3, since: at });
    expect(next.history).toEqual([{ from: 2, to: 3, at, by: 'alice', reasons: ['gate passed, PR #42'], kind: 'set-phase' }]);
  });

  it('keeps since when the phase does not change', () => {
    expect(setPhase(parseState(minimal, 'x'), { phase: 2, by: 'a', reason: 'r', at }).since).toBe('2026-05-01T00:00:00Z');
  });

  it('creates a state when an agent is named', () => {
    expect(setPhase(undefined, { phase: 1, by: 'a', reason: 'onboard', at, agent: 'new' })).toMatchObject({ agent: 'new', phase: 1, since: at });
  });

  it('fails without an agent when there is no state', () => {
    expect(() => setPhase(undefined, { phase: 1, by: 'a', reason: 'r', at })).toThrowError(/--agent: the state file does not exist; pass --agent NAME/);
  });

  it('fails when --agent contradicts the file', () => {
    expect(() => setPhase(parseState(minimal, 'x'), { phase: 1, by: 'a', reason: 'r', at, agent: 'y' })).toThrowError(/"y" does not match the file's agent "x"/);
  });

  it('fails on an empty reason or author', () => {
    expect(() => setPhase(parseState(minimal, 'x'), { phase: 1, by: ' ', reason: 'r', at })).toThrowError(/--by: is empty/);
    expect(() => setPhase(parseState(minimal, 'x'), { phase: 1, by: 'a', reason: '', at })).toThrowError(/--reason: is empty/);
  });
});

describe('state file error lines', () => {
  it('names the line of a nested field in the right array element', () => {
    const text = JSON.stringify({
      agent: 'x', phase: 2, since: '2026-05-01T00:00:00Z',
      history: [
        { from: null, to: 1, at: '2026-04-01T00:00:00Z', by: 'a', reasons: [], kind: 'set-phase' },
        { from: 1, to: 2, at: 'yesterday', by: 'a', reasons: [], kind: 'set-phase' },
      ],
    }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"yesterday"')) + 1;
    expect(() => parseState(text, 'x.json')).toThrowError(new RegExp(`^x\\.json:${line}: field "history\\.1\\.at" is "yesterday"`));
  });
});
