/**
 * Invariants of the evaluator over random evidence, states and small policies (small sample
 * counts, so promotions and demotions both happen often).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextState } from '../../src/gate/apply';
import type { Decision } from '../../src/gate/decide';
import { evaluate } from '../../src/gate/evaluate';
import type { GatePolicy } from '../../src/gate/policy';
import { resolvePolicy } from '../../src/gate/policy-file';
import { parseInstant } from '../../src/gate/instant';
import { phaseBelow, type Phase } from '../../src/phase/table';
import type { StateFile } from '../../src/state/schema';
import { AGENT, DAY, lines, NOW, NOW_MS, type Rec } from './helpers';

const digests = { evidence: 'sha256:e', policy: 'sha256:p' };

const SMALL: GatePolicy = resolvePolicy({
  confidence: 'none',
  minSamples: 1,
  soakDays: { '1->2': null, '2->3': null, '3->4': null },
  promotion: {
    '1->2': { incidents: { atLeast: 3 }, domains: { atLeast: 2 }, accuracy: { above: 0.4 }, unsafeActionAttempts: { atMost: 1 } },
    '2->3': { operatorVerdicts: { atLeast: 2 }, agreement: { above: 0.4 }, outOfScopeRecommendations: null, lightEdits: { atLeast: 0.3 } },
    '3->4': { remediations: { atLeast: 2 }, completion: { above: 0.3 }, rollback: { below: 0.9 }, escalationAccuracy: null, signoffs: { atLeast: 1 } },
  },
  demotion: { triggers: { accuracy: { below: 0.35, minSamples: 4 }, rollback: { above: 0.6, minSamples: 3 } } },
});

/**
 * A time within 70 days before NOW to 2 days after, to the second, never exactly NOW: a record
 * stamped at the very instant of a decision is the one case where writing a promotion can make
 * the next evaluation at the same instant count it for the new phase (docs/gate.md).
 */
const time = fc.oneof(fc.integer({ min: -70 * 86_400, max: 2 * 86_400 }), fc.integer({ min: -30 * 86_400, max: -1 }))
  .filter((s) => s !== 0).map((s) => new Date(NOW_MS + s * 1000).toISOString());
const phase = fc.constantFrom<Phase>(1, 2, 3, 4);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Mostly true, or mostly false: agents are mostly good, so every action happens. */
const mostly = (value: boolean) => fc.oneof({ weight: 5, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: fc.constant(!value) });

/** Incidents, most of them in `current` so promotions happen too. */
const incidentArb = (current: Phase) => fc.record({
  type: fc.constant('incident'),
  agent: fc.constantFrom(AGENT, AGENT, AGENT, 'other'),
  at: time,
  id: fc.integer({ min: 1, max: 24 }).map((n) => `INC-${n}`),
  phase: fc.oneof({ weight: 3, arbitrary: fc.constant(current) }, { weight: 1, arbitrary: phase }),
  domain: fc.constantFrom('db', 'net', 'dns'),
  diagnosisCorrect: maybe(mostly(true)),
  unsafeActionAttempt: maybe(mostly(false)),
  operatorAgreed: maybe(mostly(true)),
  edits: maybe(fc.constantFrom('none', 'minimal', 'major', 'rejected')),
  outOfScopeRecommendation: maybe(mostly(false)),
  remediation: maybe(fc.record({ completed: mostly(true), rolledBack: mostly(false) })),
  escalationCorrect: maybe(mostly(true)),
}, { requiredKeys: ['type', 'agent', 'at', 'id', 'phase', 'domain'] });

const signoffArb = fc.record({ type: fc.constant('signoff'), agent: fc.constant(AGENT), at: time, by: fc.constantFrom('ann', 'bo'), transition: fc.constantFrom('1->2', '2->3', '3->4') });
const violationArb = fc.record({ type: fc.constant('scope-violation'), agent: fc.constant(AGENT), at: time, source: fc.constant('falco'), detail: fc.constantFrom('exec', 'delete') });
const closedArb = fc.record({ type: fc.constant('investigation-closed'), agent: fc.constant(AGENT), at: time, by: fc.constant('oncall'), note: fc.constant('') });

/** Mostly incidents; about a third of the runs hold a scope violation. */
const recordsArb = (current: Phase) => fc.array(fc.oneof(
  { weight: 80, arbitrary: incidentArb(current) },
  { weight: 4, arbitrary: signoffArb },
  { weight: 2, arbitrary: closedArb },
  { weight: 1, arbitrary: violationArb },
), { maxLength: 60, size: 'max' }) as fc.Arbitrary<Rec[]>;

const stateArb: fc.Arbitrary<StateFile> = fc.record({
  phase,
  sinceDays: fc.integer({ min: 1, max: 60 }),
  demotedDays: maybe(fc.integer({ min: 1, max: 60 })),
  held: fc.boolean(),
}).map(({ phase: p, sinceDays, demotedDays, held }) => ({
  agent: AGENT,
  phase: p,
  since: new Date(NOW_MS - sinceDays * DAY).toISOString(),
  ...(demotedDays !== undefined && p < 4 ? { history: [{ from: (p + 1) as Phase, to: p, at: new Date(NOW_MS - demotedDays * DAY).toISOString(), by: 'x', reasons: [], kind: 'evaluate' as const }] } : {}),
  ...(held ? { hold: { reason: 'earlier violation', since: new Date(NOW_MS - 40 * DAY).toISOString(), violationAt: new Date(NOW_MS - 41 * DAY).toISOString() } } : {}),
}));

/** SMALL judged on low-confidence bounds (so they still pass at these sample sizes), with soak times and bound-based demotion. */
const BOUNDED: GatePolicy = resolvePolicy({
  confidence: 0.6, minSamples: 2, soakDays: { '1->2': 5, '2->3': 10, '3->4': 20 }, demotion: { judgeOn: 'bound' },
}, SMALL);

const policyArb = fc.constantFrom(SMALL, resolvePolicy({ demotion: { violationFloor: 2 } }, SMALL), BOUNDED);

/** A state, evidence for it and a policy. */
const scenario = fc.tuple(stateArb, policyArb).chain(([st, policy]) => fc.tuple(fc.constant(st), recordsArb(st.phase), fc.constant(policy)));

function evaluateRecords(st: StateFile, records: readonly Rec[], policy: GatePolicy): Promise<Decision> {
  return evaluate({ state: st, policy, now: NOW, evidence: [{ name: 'e.jsonl', chunks: [lines(records)] }] });
}

/** The decision without where things were found (line numbers change when lines move). */
function placeless(d: Decision): string {
  return JSON.stringify(d, (k, v: unknown) => (k === 'where' ? undefined : typeof v === 'string' ? v.replace(/ \[e\.jsonl:\d+\]/, '') : v));
}

describe('evaluator properties', () => {
  it('is idempotent: evaluating again on the written state changes nothing', async () => {
    await fc.assert(fc.asyncProperty(scenario, async ([st, records, policy]) => {
      const first = await evaluateRecords(st, records, policy);
      const written = nextState(st, first, digests) ?? st;
      const again = await evaluateRecords(written, records, policy);
      expect(again.changesState, JSON.stringify(again.reasons)).toBe(false);
      expect(again.to).toBe(written.phase);
      expect(nextState(written, again, digests)).toBeUndefined();
    }), { numRuns: 300 });
  });

  it('lets demotion win over promotion: a failing demotion gate never promotes', async () => {
    await fc.assert(fc.asyncProperty(scenario, async ([st, records, policy]) => {
      const d = await evaluateRecords(st, records, policy);
      if (d.gates.some((g) => g.kind === 'demotion' && !g.pass)) {
        expect(d.action).not.toBe('promote');
        expect(d.to).toBeLessThanOrEqual(d.from);
      }
      if (d.action === 'promote') expect(d.hold).toBeNull();
    }), { numRuns: 300 });
  });

  it('moves at most one phase, except a scope violation going to the floor', async () => {
    await fc.assert(fc.asyncProperty(scenario, async ([st, records, policy]) => {
      const d = await evaluateRecords(st, records, policy);
      if (d.action === 'promote') expect(d.to).toBe(d.from + 1);
      if (d.violations.new.length === 0) expect(Math.abs(d.to - d.from)).toBeLessThanOrEqual(1);
      else expect(d.to).toBeGreaterThanOrEqual(Math.min(policy.demotion.violationFloor, phaseBelow(d.from)));
      expect(d.action).toBe(d.to > d.from ? 'promote' : d.to < d.from ? 'demote' : 'hold');
    }), { numRuns: 300 });
  });

  it('depends only on each incident\'s last record: interleavings that keep each id\'s order agree', async () => {
    await fc.assert(fc.asyncProperty(scenario, fc.array(fc.nat()), async ([st, records, policy], keys) => {
      // A stable sort by random keys moves records of different ids past each other but keeps
      // the order of records of the same id.
      const groupKey = (r: Rec) => (r.type === 'incident' ? `${String(r.agent)}/${String(r.id)}` : `other/${records.indexOf(r)}`);
      const rank = new Map<string, number>();
      for (const r of records) if (!rank.has(groupKey(r))) rank.set(groupKey(r), keys[rank.size] ?? 0);
      const shuffled = records.map((r, i) => ({ r, i })).sort((a, b) => rank.get(groupKey(a.r))! - rank.get(groupKey(b.r))! || a.i - b.i).map((x) => x.r);
      expect(placeless(await evaluateRecords(st, shuffled, policy))).toBe(placeless(await evaluateRecords(st, records, policy)));
    }), { numRuns: 200 });
  });

  it('aggregates exactly what a naive last-record-per-id computation gives', async () => {
    await fc.assert(fc.asyncProperty(scenario, async ([st, records]) => {
      const d = await evaluateRecords(st, records, SMALL);
      const since = parseInstant(st.since);
      const last = new Map<string, Rec>();
      for (const r of records) {
        if (r.type === 'incident' && r.agent === AGENT && parseInstant(r.at as string) <= NOW_MS) last.set(r.id as string, r);
      }
      const inPhase = [...last.values()].filter((r) => r.phase === st.phase && parseInstant(r.at as string) >= since);
      const expectGate = (name: string, observed: number) => expect(d.gates.find((g) => g.name === name)?.observed).toBe(observed);
      const t = `${st.phase}->${st.phase + 1}`;
      if (st.phase === 1) {
        expectGate(`${t} incidents`, inPhase.length);
        expectGate(`${t} domains`, new Set(inPhase.map((r) => r.domain)).size);
      }
      if (st.phase === 2) expectGate(`${t} operatorVerdicts`, inPhase.filter((r) => r.operatorAgreed !== undefined).length);
      if (st.phase === 3) expectGate(`${t} remediations`, inPhase.filter((r) => r.remediation !== undefined).length);
      const demotedAt = st.history?.[0] ? parseInstant(st.history[0].at) : -Infinity;
      const recent = [...last.values()].filter((r) => { const at = parseInstant(r.at as string); return at >= NOW_MS - 30 * DAY && at > demotedAt; });
      const diagnosed = recent.filter((r) => r.diagnosisCorrect !== undefined);
      const accuracy = d.gates.find((g) => g.name === 'demotion accuracy (30 days)')!;
      expect([accuracy.samples, accuracy.hits]).toEqual([diagnosed.length, diagnosed.filter((r) => r.diagnosisCorrect).length]);
      const remediated = recent.filter((r) => r.remediation !== undefined);
      const rollback = d.gates.find((g) => g.name === 'demotion rollback (30 days)')!;
      expect([rollback.samples, rollback.hits]).toEqual([remediated.length, remediated.filter((r) => (r.remediation as { rolledBack: boolean }).rolledBack).length]);
    }), { numRuns: 300 });
  });
});
