import { describe, expect, it } from 'vitest';
import { nextState } from '../../src/gate/apply';
import { formatState, parseState } from '../../src/state/file';
import { AGENT, ago, incidents, RAW, run, state } from './helpers';

const digests = { evidence: 'sha256:aaaa', policy: 'sha256:bbbb' };
const NOW_ISO = '2026-11-25T12:00:00Z';

function violation(at: string, detail = 'exec into checkout'): Record<string, unknown> {
  return { type: 'scope-violation', agent: AGENT, at, source: 'falco', detail };
}

describe('nextState', () => {
  it('writes a promotion: phase, since and a history entry with both digests', async () => {
    const st = state(2, { history: [{ from: 1, to: 2, at: ago(60), by: 'alice', reasons: ['r'], kind: 'set-phase' }], owner: 'sre' });
    const d = await run(st, incidents(150, { operatorAgreed: true, edits: 'none', outOfScopeRecommendation: false }), { policy: RAW });
    const next = nextState(st, d, digests)!;
    expect(next).toMatchObject({ agent: AGENT, phase: 3, since: NOW_ISO, owner: 'sre' });
    expect(next.history).toHaveLength(2);
    expect(next.history![1]).toEqual({
      from: 2, to: 3, at: NOW_ISO, by: 'trust-gate evaluate', reasons: d.reasons, kind: 'evaluate',
      evidenceDigest: 'sha256:aaaa', policyDigest: 'sha256:bbbb',
    });
    expect(parseState(formatState(next), 'x.json')).toEqual(next);
  });

  it('writes nothing when the decision changes nothing', async () => {
    const st = state(2);
    expect(nextState(st, await run(st, incidents(3)), digests)).toBeUndefined();
  });

  it('records violations acted on, sorted, with the newest time, and places a hold carrying the evidence digest', async () => {
    const st = state(3, { violationsActed: ['ffffffffffffffffffffffffffffffff'], violationsActedUntil: ago(2) });
    const d = await run(st, [violation(ago(4), 'a'), violation(ago(3), 'b')]);
    const next = nextState(st, d, digests)!;
    expect(next.phase).toBe(1);
    expect(next.violationsActed).toEqual([...d.violations.new.map((v) => v.digest), 'ffffffffffffffffffffffffffffffff'].sort());
    expect(next.violationsActedUntil).toBe(ago(2).replace('.000', ''));
    expect(next.hold).toEqual({ reason: 'scope violation (falco): b', since: NOW_ISO, violationAt: ago(3).replace('.000', ''), violations: 2, actedAt: NOW_ISO, evidenceDigest: 'sha256:aaaa' });
    expect(parseState(formatState(next), 'x.json')).toEqual(next);
  });

  it('restarts the phase when a violation finds the agent at the floor', async () => {
    const st = state(1);
    const next = nextState(st, await run(st, [violation(ago(1))]), digests)!;
    expect(next).toMatchObject({ phase: 1, since: NOW_ISO });
    expect(next.history!.at(-1)).toMatchObject({ from: 1, to: 1, kind: 'evaluate' });
  });

  it('writes the demotion of 130,000 violations (an agent retrying a forbidden call) without overflowing the stack', async () => {
    const st = state(3);
    const records = Array.from({ length: 130_000 }, (_, i) => violation(new Date(Date.parse(ago(2)) + i).toISOString(), 'delete pods in payments'));
    const d = await run(st, records);
    const next = nextState(st, d, digests)!;
    expect(next).toMatchObject({ phase: 1, violationsActedUntil: new Date(Date.parse(ago(2)) + 129_999).toISOString(), hold: { violations: 130_000 } });
    expect(next.violationsActed).toHaveLength(130_000);
    expect(parseState(formatState(next), 'x.json').violationsActed).toHaveLength(130_000);
  }, 60_000);

  it('clears a hold an investigation lifted, without a phase change', async () => {
    const st = state(1, { hold: { reason: 'x', since: ago(10), violationAt: ago(10) } });
    const d = await run(st, [{ type: 'investigation-closed', agent: AGENT, at: ago(5), by: 'oncall', note: 'done' }]);
    const next = nextState(st, d, digests)!;
    expect(next).toMatchObject({ phase: 1, since: st.since, hold: null });
    expect(next.history).toBeUndefined();
  });
});
