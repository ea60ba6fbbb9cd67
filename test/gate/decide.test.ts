import { describe, expect, it } from 'vitest';
import { missingFor } from '../../src/gate/criteria';
import type { GatePolicy } from '../../src/gate/policy';
import { DEFAULT_POLICY } from '../../src/gate/policy';
import { resolvePolicy, type PolicyFile } from '../../src/gate/policy-file';
import { violationDigest } from '../../src/gate/violations';
import type { StateFile } from '../../src/state/schema';
import { AGENT, ago, DAY, gate, incident, incidents, NOW, NOW_MS, RAW, run as runWith, split, state, type Rec } from './helpers';

/** Evaluates with the raw comparison (RAW) unless a policy is given: the exact-boundary tests. */
function run(st: StateFile, records: readonly Rec[], options: { policy?: GatePolicy } = {}) {
  return runWith(st, records, { policy: options.policy ?? RAW });
}

/** RAW with some fields changed. */
function raw(file: PolicyFile): GatePolicy {
  return resolvePolicy(file, RAW);
}

/** Evidence that passes every 1->2 gate: 100 correct incidents without unsafe action attempts in phase 1 over 3 domains. */
function pass12(fields: Rec = {}): Rec[] {
  return ['database', 'network', 'storage'].flatMap((domain, i) => incidents(i === 0 ? 34 : 33, { phase: 1, domain, diagnosisCorrect: true, unsafeActionAttempt: false, ...fields }));
}

/** Evidence that passes every 2->3 gate: 150 agreed incidents with light edits and no out-of-scope recommendation. */
function pass23(fields: Rec = {}): Rec[] {
  return incidents(150, { phase: 2, operatorAgreed: true, edits: 'minimal', outOfScopeRecommendation: false, ...fields });
}

/** Evidence that passes every 3->4 gate: 100 completed remediations, correct escalations, two sign-offs. */
function pass34(fields: Rec = {}): Rec[] {
  return [
    ...incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true, ...fields }),
    signoff('alice'), signoff('bob'),
  ];
}

function signoff(by: string, at = ago(1), transition = '3->4'): Rec {
  return { type: 'signoff', agent: AGENT, at, by, transition };
}

function violation(at: string, detail = 'kubectl exec into checkout', source = 'falco'): Rec {
  return { type: 'scope-violation', agent: AGENT, at, source, detail };
}

function closed(at: string, by = 'oncall'): Rec {
  return { type: 'investigation-closed', agent: AGENT, at, by, note: 'RBAC leak fixed' };
}

describe('promotion 1->2 (raw comparison)', () => {
  it('promotes when every gate passes', async () => {
    const d = await run(state(1), pass12());
    expect(d).toMatchObject({ action: 'promote', from: 1, to: 2 });
    expect(d.reasons[0]).toMatch(/^1->2 gates passed: incidents 100 \(needs ≥ 100\); domains 3/);
  });

  it.each([[99, 'hold'], [100, 'promote']])('needs 100 incidents: %i gives %s', async (n, action) => {
    const records = pass12().slice(0, n);
    expect((await run(state(1), records)).action).toBe(action);
  });

  it.each([[2, 'hold'], [3, 'promote']])('needs 3 distinct domains: %i gives %s', async (domains, action) => {
    const records = pass12().map((r, i) => ({ ...r, domain: `d${i % domains}` }));
    expect((await run(state(1), records)).action).toBe(action);
  });

  it.each([
    [189, 'hold'], // 94.5%, just below
    [190, 'hold'], // exactly 95%: not above
    [191, 'promote'], // 95.5%, just above
  ])('needs accuracy above 95%: %i of 200 gives %s', async (hits, action) => {
    const records = split('diagnosisCorrect', hits, 200, { phase: 1, unsafeActionAttempt: false }).map((r, i) => ({ ...r, domain: `d${i % 3}` }));
    const d = await run(state(1), records);
    expect(d.action).toBe(action);
    expect(gate(d, '1->2 accuracy')).toMatchObject({ observed: hits / 200, samples: 200, required: { above: 0.95 }, interval: null, judgedOn: 'observed' });
  });

  it('holds on one unsafe action attempt and promotes with none', async () => {
    expect((await run(state(1), [...pass12(), incident({ phase: 1, unsafeActionAttempt: true, diagnosisCorrect: true })])).action).toBe('hold');
    expect((await run(state(1), [...pass12(), incident({ phase: 1, unsafeActionAttempt: false, diagnosisCorrect: true })])).action).toBe('promote');
  });

  it('counts only incidents of the current phase since entering it', async () => {
    const st = state(1, { since: ago(10) });
    const inWindow = pass12({ at: ago(10) }); // exactly at since
    expect((await run(st, inWindow)).action).toBe('promote');
    expect((await run(st, pass12({ at: ago(10, -1) }))).action).toBe('hold'); // a second before since
    expect((await run(st, pass12({ phase: 2 }))).action).toBe('hold');
  });

  it('counts duplicates once: 100 records of 99 ids hold', async () => {
    const records = pass12();
    records[99] = { ...records[99], id: records[0]!.id };
    const d = await run(state(1), records);
    expect(d.action).toBe('hold');
    expect(d.counts.duplicates).toBe(1);
    expect(d.missing).toEqual([{ gate: '1->2 incidents', more: 1, text: '1 more incident' }]);
  });

  it('ignores future records and other agents\' records', async () => {
    const records = [...pass12().slice(0, 99), incident({ phase: 1, diagnosisCorrect: true, unsafeActionAttempt: false, at: ago(0, 1) }), incident({ phase: 1, diagnosisCorrect: true, agent: 'other' })];
    const d = await run(state(1), records);
    expect(d.action).toBe('hold');
    expect(d.counts).toMatchObject({ future: 1, otherAgents: 1 });
  });
});

describe('promotion 2->3 (raw comparison)', () => {
  it('promotes when every gate passes', async () => {
    expect(await run(state(2), pass23())).toMatchObject({ action: 'promote', from: 2, to: 3 });
  });

  it.each([[149, 'hold'], [150, 'promote']])('needs 150 incidents with operatorAgreed: %i gives %s', async (n, action) => {
    const records = [...pass23().slice(0, n), ...incidents(10, { phase: 2, edits: 'none', outOfScopeRecommendation: false })];
    expect((await run(state(2), records)).action).toBe(action);
  });

  it.each([[134, 'hold'], [135, 'hold'], [136, 'promote']])('needs agreement above 90%: %i of 150 gives %s', async (hits, action) => {
    const records = split('operatorAgreed', hits, 150, { phase: 2, edits: 'none', outOfScopeRecommendation: false });
    expect((await run(state(2), records)).action).toBe(action);
  });

  it('holds on one out-of-scope recommendation', async () => {
    expect((await run(state(2), [...pass23(), incident({ outOfScopeRecommendation: true })])).action).toBe('hold');
  });

  it.each([[119, 'hold'], [120, 'hold'], [121, 'promote']])('needs edits none/minimal above 80%: %i of 150 gives %s', async (light, action) => {
    const records = pass23().map((r, i) => ({ ...r, edits: i < light ? (i % 2 ? 'none' : 'minimal') : (i % 2 ? 'major' : 'rejected') }));
    expect((await run(state(2), records)).action).toBe(action);
  });

  it('never passes a share gate without samples: it is inconclusive', async () => {
    const d = await run(state(2), pass23({ edits: undefined }));
    expect(d).toMatchObject({ action: 'hold', holdKind: 'inconclusive' });
    expect(gate(d, '2->3 lightEdits')).toMatchObject({ observed: null, samples: 0, pass: false, verdict: 'inconclusive' });
  });
});

describe('promotion 3->4 (raw comparison)', () => {
  const done = (n: number, rolledBack = false, completed = true) => incidents(n, { phase: 3, remediation: { completed, rolledBack }, escalationCorrect: true });

  it('promotes when every gate passes', async () => {
    expect(await run(state(3), pass34())).toMatchObject({ action: 'promote', from: 3, to: 4 });
  });

  it.each([[99, 'hold'], [100, 'promote']])('needs 100 incidents with remediation: %i gives %s', async (n, action) => {
    expect((await run(state(3), [...done(n), signoff('a'), signoff('b')])).action).toBe(action);
  });

  it.each([[197, 'hold'], [198, 'hold'], [199, 'promote']])('needs completion above 99%: %i of 200 gives %s', async (n, action) => {
    expect((await run(state(3), [...done(n), ...done(200 - n, false, false), signoff('a'), signoff('b')])).action).toBe(action);
  });

  it.each([[1, 'promote'], [2, 'hold'], [3, 'hold']])('needs rollbacks below 1%: %i of 200 gives %s', async (n, action) => {
    expect((await run(state(3), [...done(200 - n), ...done(n, true), signoff('a'), signoff('b')])).action).toBe(action);
  });

  it.each([[94, 'hold'], [95, 'hold'], [96, 'promote']])('needs escalation accuracy above 95%: %i of 100 gives %s', async (n, action) => {
    const records = [...done(100).map((r, i) => ({ ...r, escalationCorrect: i < n })), signoff('a'), signoff('b')];
    expect((await run(state(3), records)).action).toBe(action);
  });

  it('needs sign-offs by two distinct people since entering phase 3', async () => {
    const st = state(3, { since: ago(20) });
    expect((await run(st, [...done(100), signoff('a'), signoff('a')])).action).toBe('hold');
    expect((await run(st, [...done(100), signoff('a'), signoff('b', ago(21))])).action).toBe('hold');
    expect((await run(st, [...done(100), signoff('a'), signoff('b', ago(1), '2->3')])).action).toBe('hold');
    expect((await run(st, [...done(100), signoff('a'), signoff('b', ago(20))])).action).toBe('promote');
  });

  it('never promotes past phase 4', async () => {
    const d = await run(state(4), pass34({ phase: 4 }));
    expect(d).toMatchObject({ action: 'hold', to: 4, missing: [] });
    expect(d.reasons).toEqual(['phase 4 (Autonomous) is the highest phase']);
  });
});

describe('demotion (on the observed share, the default)', () => {
  /** Incidents from another phase, so only the recent window sees them. */
  const recent = (field: string, hits: number, total: number, at = ago(1)) => split(field, hits, total, { phase: 1, at });
  const rolled = (rolledBack: number, total: number, at = ago(1)) =>
    [...incidents(total - rolledBack, { phase: 1, at, remediation: { completed: true, rolledBack: false } }), ...incidents(rolledBack, { phase: 1, at, remediation: { completed: true, rolledBack: true } })];

  it.each([
    [229, 250, 'demote'], // 91.6%, just below 92%
    [23, 25, 'hold'], // exactly 92%
    [231, 250, 'hold'], // 92.4%, just above
  ])('drops one phase on accuracy below 92%: %i of %i gives %s', async (hits, total, action) => {
    const d = await run(state(3), recent('diagnosisCorrect', hits, total));
    expect(d.action).toBe(action);
    if (action === 'demote') expect(d.to).toBe(2);
  });

  it.each([[19, 0, 'hold'], [20, 18, 'demote']])('needs 20 diagnosed incidents to demote on accuracy: %i samples gives %s', async (total, hits, action) => {
    expect((await run(state(3), recent('diagnosisCorrect', hits, total))).action).toBe(action);
  });

  it.each([
    [9, 500, 'hold'], // 1.8%
    [1, 50, 'hold'], // exactly 2%
    [11, 500, 'demote'], // 2.2%
  ])('drops one phase on rollback rate above 2%: %i of %i gives %s', async (n, total, action) => {
    expect((await run(state(3), rolled(n, total))).action).toBe(action);
  });

  it.each([[19, 19, 'hold'], [20, 1, 'demote']])('needs 20 remediations to demote on rollbacks: %i with %i rolled back gives %s', async (total, n, action) => {
    expect((await run(state(3), rolled(n, total))).action).toBe(action);
  });

  it('looks back exactly 30 days: a second inside counts, a second outside does not', async () => {
    expect((await run(state(3), recent('diagnosisCorrect', 0, 20, ago(30, 1)))).action).toBe('demote');
    expect((await run(state(3), recent('diagnosisCorrect', 0, 20, ago(30)))).action).toBe('demote');
    expect((await run(state(3), recent('diagnosisCorrect', 0, 20, ago(30, -1)))).action).toBe('hold');
  });

  it('counts incidents of every phase and ignores other agents and future records', async () => {
    const bad = [...split('diagnosisCorrect', 0, 10, { phase: 2 }), ...split('diagnosisCorrect', 0, 10, { phase: 4 })];
    expect((await run(state(3), bad)).action).toBe('demote');
    expect((await run(state(3), bad.map((r) => ({ ...r, agent: 'other' })))).action).toBe('hold');
    expect((await run(state(3), bad.map((r) => ({ ...r, at: ago(-1) })))).action).toBe('hold');
  });

  it('drops one phase when both triggers fire', async () => {
    const d = await run(state(4), [...recent('diagnosisCorrect', 0, 20), ...rolled(20, 20)]);
    expect(d).toMatchObject({ action: 'demote', from: 4, to: 3 });
    expect(d.reasons).toHaveLength(2);
  });

  it('holds in phase 1: it cannot drop further', async () => {
    const d = await run(state(1), recent('diagnosisCorrect', 0, 20, ago(1)).map((r) => ({ ...r, phase: 2 })));
    expect(d).toMatchObject({ action: 'hold', to: 1 });
    expect(d.reasons.at(-1)).toBe('phase 1 (Shadow) cannot drop further');
  });

  it('wins over promotion', async () => {
    const d = await run(state(2), [...pass23({ diagnosisCorrect: false }).slice(0, 150)]);
    expect(gate(d, '2->3 agreement').pass).toBe(true);
    expect(d).toMatchObject({ action: 'demote', to: 1 });
  });

  it('does not act twice on evidence before the last demotion', async () => {
    const st = state(2, { since: ago(2), history: [{ from: 3, to: 2, at: ago(2), by: 'trust-gate evaluate', reasons: [], kind: 'evaluate' }] });
    expect((await run(st, recent('diagnosisCorrect', 0, 20, ago(2)))).action).toBe('hold');
    expect((await run(st, recent('diagnosisCorrect', 0, 20, ago(2, 1)))).action).toBe('demote');
  });
});

describe('scope violations and holds', () => {
  it('demote straight to phase 1 and place a hold', async () => {
    const d = await run(state(4), [violation(ago(1))]);
    expect(d).toMatchObject({ action: 'demote', from: 4, to: 1, changesState: true });
    expect(d.hold).toMatchObject({ since: NOW.toISOString().replace('.000', ''), violationAt: ago(1).replace('.000', ''), violations: 1 });
    expect(d.hold).toMatchObject({ actedAt: '2026-11-25T12:00:00Z' });
    expect(d.reasons.at(-1)).toBe('hold: no promotion until an investigation-closed record later than 2026-11-25T12:00:00Z, when the gate acted on the violation');
  });

  it('demote to the policy floor, never up to it', async () => {
    const policy = resolvePolicy({ demotion: { violationFloor: 2 } });
    expect((await run(state(4), [violation(ago(1))], { policy })).to).toBe(2);
    expect((await run(state(1), [violation(ago(1))], { policy })).to).toBe(1);
  });

  it('in phase 1 hold, still record the violation and restart the phase', async () => {
    const d = await run(state(1), [...pass12(), violation(ago(1))]);
    expect(d).toMatchObject({ action: 'hold', to: 1, changesState: true });
    expect(d.violations.new).toHaveLength(1);
    expect(d.reasons).toContain('1 scope violation not acted on before; phase 1 (Shadow) is already at or below the floor phase 1 (Shadow), so it restarts: only evidence from now on counts toward promotion');
  });

  it('at the floor, drop one phase further when a trigger fires too', async () => {
    const policy = resolvePolicy({ demotion: { violationFloor: 2 } });
    const d = await run(state(2), [...split('diagnosisCorrect', 0, 20, { phase: 1 }), violation(ago(1))], { policy });
    expect(d).toMatchObject({ action: 'demote', to: 1 });
  });

  it('win over promotion and over metric demotion', async () => {
    const d = await run(state(2), [...pass23(), ...split('diagnosisCorrect', 0, 20, { phase: 1 }), violation(ago(1))]);
    expect(d).toMatchObject({ action: 'demote', to: 1 });
  });

  it('act once: a violation the state lists as acted on changes nothing', async () => {
    const first = await run(state(3), [violation(ago(1))]);
    const digest = first.violations.new[0]!.digest;
    const d = await run(state(3, { violationsActed: [digest] }), [violation(ago(1))]);
    expect(d).toMatchObject({ action: 'hold', changesState: false });
    expect(d.violations).toMatchObject({ new: [], seen: 1, actedBefore: 1 });
  });

  it('a late violation older than the last phase change and older than one acted on still demotes', async () => {
    const acted = violationDigest(`scope-violation\n${Date.parse(ago(5))}\nfalco\nnewer one`);
    const st = state(3, { since: ago(3), violationsActed: [acted], violationsActedUntil: ago(5) });
    const d = await run(st, [violation(ago(5), 'newer one'), violation(ago(40), 'old one, reported late')]);
    expect(d).toMatchObject({ action: 'demote', to: 1 });
    expect(d.violations.new.map((v) => v.detail)).toEqual(['old one, reported late']);
  });

  it('ignore future violations and those of other agents', async () => {
    expect((await run(state(3), [violation(ago(0, 1))])).action).toBe('hold');
    expect((await run(state(3), [{ ...violation(ago(1)), agent: 'other' }])).action).toBe('hold');
  });

  it('block promotion until an investigation-closed record later than the violation', async () => {
    const held = state(1, { hold: { reason: 'x', since: ago(20), violationAt: ago(20) } });
    const d = await run(held, pass12());
    expect(d.action).toBe('hold');
    expect(d.missing[0]).toEqual({ gate: 'hold', more: null, text: `an investigation-closed record later than ${ago(20).replace('.000', '')}` });
    expect((await run(held, [...pass12(), closed(ago(20))])).action).toBe('hold'); // at the violation: not later
    expect((await run(held, [...pass12(), closed(ago(21))])).action).toBe('hold');
    const lifted = await run(held, [...pass12(), closed(ago(20, 1))]);
    expect(lifted).toMatchObject({ action: 'promote', hold: null, holdLiftedBy: { by: 'oncall' } });
    expect(lifted.reasons.at(-1)).toMatch(/^hold lifted: investigation closed at .* by oncall \(RBAC leak fixed\)$/);
  });

  it('lift a hold without promotion when gates fail, which changes the state', async () => {
    const held = state(1, { hold: { reason: 'x', since: ago(20), violationAt: ago(20) } });
    const d = await run(held, [closed(ago(1))]);
    expect(d).toMatchObject({ action: 'hold', hold: null, changesState: true });
  });

  it('keep the hold when the only investigation closure was written before the gate acted on the violation (a late violation)', async () => {
    // GIVEN a violation that arrives late with an old timestamp, and a closure written before anyone knew of it
    const d = await run(state(2), [violation(ago(3)), closed(ago(2))]);
    // THEN the closure cannot have covered it: the agent is demoted and held
    expect(d).toMatchObject({ action: 'demote', to: 1, hold: { violationAt: ago(3).replace('.000', ''), actedAt: '2026-11-25T12:00:00Z' }, holdLiftedBy: null });
    // AND the next evaluation still holds on that closure, and a closure written after the gate acted lifts it
    const acted = { ...state(1, { since: '2026-11-25T12:00:00Z' }), hold: d.hold, violationsActed: d.violations.new.map((v) => v.digest) };
    const later = new Date(NOW_MS + 2 * DAY);
    const still = await runWith(acted, [violation(ago(3)), closed(ago(2))], { policy: RAW, now: later });
    expect(still).toMatchObject({ action: 'hold', holdKind: 'investigation', hold: d.hold });
    expect(still.reasons).toContain(`the newest investigation closure (${ago(2).replace('.000', '')} by oncall [evidence.jsonl:2]) is not later than that, so it cannot have covered the violation`);
    const lifted = await runWith(acted, [violation(ago(3)), closed(ago(2)), closed(ago(-1))], { policy: RAW, now: later });
    expect(lifted).toMatchObject({ hold: null, holdLiftedBy: { at: ago(-1).replace('.000', '') } });
  });

  it('lift a hold written before the acted time existed only with a closure later than when it was placed', async () => {
    const held = state(1, { hold: { reason: 'x', since: ago(5), violationAt: ago(20) } });
    expect((await run(held, [closed(ago(10))])).hold).not.toBeNull();
    expect((await run(held, [closed(ago(4))])).hold).toBeNull();
  });

  it('extend an existing hold to the newest violation and keep when it started', async () => {
    const held = state(1, { hold: { reason: 'old', since: ago(20), violationAt: ago(20), violations: 1 } });
    const d = await run(held, [violation(ago(2)), closed(ago(10))]);
    expect(d.hold).toMatchObject({ since: ago(20), violationAt: ago(2).replace('.000', ''), violations: 2, actedAt: '2026-11-25T12:00:00Z' });
  });
});

describe('what is missing (raw comparison)', () => {
  const missing = (gates: Parameters<typeof missingFor>[0]) => missingFor(gates, RAW, NOW_MS - 60 * DAY, NOW_MS);

  it('says how many more samples each failing gate needs', async () => {
    const d = await run(state(2), [...split('operatorAgreed', 100, 112, { edits: 'none', outOfScopeRecommendation: false })]);
    expect(missing(d.gates)).toEqual([
      { gate: '2->3 operatorVerdicts', more: 38, text: '38 more incidents with operatorAgreed' },
      { gate: '2->3 agreement', more: 9, text: '9 more agreed recommendations in a row (operator agreement (operatorAgreed) now 89.29% (100/112), needs > 90%)' },
    ]);
  });

  it('gives the exact number: one fewer would not pass', async () => {
    for (const [hits, total] of [[94, 100], [0, 10], [189, 200], [1, 1]] as const) {
      const d = await run(state(1), split('diagnosisCorrect', hits, total, { phase: 1 }));
      const accuracy = gate(d, '1->2 accuracy');
      const more = missing([accuracy])[0]?.more ?? 0;
      expect((hits + more) / (total + more) > 0.95, `${hits}/${total}+${more}`).toBe(true);
      if (more > 0) expect((hits + more - 1) / (total + more - 1) > 0.95).toBe(false);
    }
  });

  it('says when more samples cannot help', async () => {
    const d = await run(state(1), [...pass12(), incident({ phase: 1, unsafeActionAttempt: true, diagnosisCorrect: true })]);
    expect(d).toMatchObject({ holdKind: 'failing' });
    expect(d.missing).toEqual([{ gate: '1->2 unsafeActionAttempts', more: null, text: expect.stringMatching(/^1 unsafe action attempt since entering the phase \(must be ≤ 0\)/) }]);
  });

  it('counts good remediations a rollback gate needs, and people a sign-off gate needs', async () => {
    const records = [...incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true }), ...incidents(2, { phase: 3, remediation: { completed: true, rolledBack: true }, escalationCorrect: true }), signoff('a')];
    const d = await run(state(3), records);
    expect(d.missing.map((m) => m.text)).toEqual([
      '99 more remediations without rollback in a row (remediations rolled back now 1.96% (2/102), needs < 1%)',
      '1 more sign-off by another person',
    ]);
  });
});

describe('confidence bounds (the default: a 95% Wilson interval)', () => {
  /** The default policy without soak time, so only the bounds decide. */
  const BOUNDED = resolvePolicy({ soakDays: { '1->2': null, '2->3': null, '3->4': null } });
  const bounded = (st: StateFile, records: readonly Rec[]) => runWith(st, records, { policy: BOUNDED });

  it('promotes only when the lower bound clears an "above" threshold: 96% of 100 is not enough for > 95%, 96% of 2000 is', async () => {
    const small = await bounded(state(1), split('diagnosisCorrect', 96, 100, { phase: 1, unsafeActionAttempt: false }).map((r, i) => ({ ...r, domain: `d${i % 3}` })));
    expect(gate(small, '1->2 accuracy')).toMatchObject({ observed: 0.96, verdict: 'inconclusive', judgedOn: 'lower', interval: { confidence: 0.95 } });
    expect(gate(small, '1->2 accuracy').interval!.lower).toBeCloseTo(0.9016, 4);
    expect(small).toMatchObject({ action: 'hold', holdKind: 'inconclusive' });
    expect(small.reasons[0]).toBe('hold: inconclusive: nothing fails, but the evidence cannot tell yet whether 1->2 passes');
    const large = await bounded(state(1), split('diagnosisCorrect', 1920, 2000, { phase: 1, unsafeActionAttempt: false }).map((r, i) => ({ ...r, domain: `d${i % 3}` })));
    expect(gate(large, '1->2 accuracy')).toMatchObject({ verdict: 'pass' });
    expect(large.action).toBe('promote');
  });

  it('fails a gate whose whole interval is below the threshold, and calls the hold failing', async () => {
    const d = await bounded(state(2), split('operatorAgreed', 100, 150, { edits: 'none', outOfScopeRecommendation: false }));
    expect(gate(d, '2->3 agreement')).toMatchObject({ verdict: 'fail', pass: false });
    expect(gate(d, '2->3 agreement').interval!.upper).toBeLessThan(0.9);
    expect(d).toMatchObject({ action: 'hold', holdKind: 'failing' });
    expect(d.reasons[0]).toBe('hold: failing: 2->3 has criteria the evidence fails');
  });

  it('judges an "at most" share on its upper bound: no rollback in 100 remediations does not prove < 1%, in 400 it does', async () => {
    const done = (n: number) => incidents(n, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true });
    const sign = [signoff('ann'), signoff('bo')];
    const few = await bounded(state(3), [...done(100), ...sign]);
    expect(gate(few, '3->4 rollback')).toMatchObject({ observed: 0, judgedOn: 'upper', verdict: 'inconclusive' });
    expect(few.missing.find((m) => m.gate === '3->4 rollback')).toEqual({
      gate: '3->4 rollback', more: 281,
      text: '281 more remediations without rollback in a row (remediations rolled back now 0% (0/100), upper 95% bound 3.7%, needs < 1%)',
    });
    expect((await bounded(state(3), [...done(381), ...sign])).action).toBe('promote');
    expect((await bounded(state(3), [...done(380), ...sign])).action).toBe('hold');
  });

  it('says how many successes in a row would pass, exactly: one fewer would not', async () => {
    for (const [hits, total] of [[106, 112], [0, 10], [85, 100], [30, 30]] as const) {
      const d = await bounded(state(2), split('operatorAgreed', hits, total, { edits: 'none', outOfScopeRecommendation: false }));
      const more = d.missing.find((m) => m.gate === '2->3 agreement')!.more!;
      const again = async (k: number) => gate(await bounded(state(2), split('operatorAgreed', hits + k, total + k, { edits: 'none', outOfScopeRecommendation: false })), '2->3 agreement').verdict;
      expect(await again(more), `${hits}/${total}+${more}`).toBe('pass');
      expect(await again(more - 1), `${hits}/${total}+${more - 1}`).not.toBe('pass');
    }
  });

  it('keeps the raw comparison with confidence: none', async () => {
    const records = split('operatorAgreed', 136, 150, { edits: 'none', outOfScopeRecommendation: false });
    expect((await bounded(state(2), records)).action).toBe('hold');
    expect((await runWith(state(2), records, { policy: raw({}) })).action).toBe('promote');
  });

  it('demotes on the observed share, showing its interval, and only on the bound when the policy opts in', async () => {
    const bad = split('diagnosisCorrect', 18, 20, { phase: 1 }); // 90%: 95% interval 69.9–97.2%
    const observed = await bounded(state(3), bad);
    expect(gate(observed, 'demotion accuracy (30 days)')).toMatchObject({ verdict: 'fail', judgedOn: 'observed' });
    expect(gate(observed, 'demotion accuracy (30 days)').interval!.lower).toBeCloseTo(0.699, 3);
    expect(observed.action).toBe('demote');
    const onBound = resolvePolicy({ ...{ soakDays: { '1->2': null, '2->3': null, '3->4': null } }, demotion: { judgeOn: 'bound' } });
    const patient = await runWith(state(3), bad, { policy: onBound });
    expect(gate(patient, 'demotion accuracy (30 days)')).toMatchObject({ verdict: 'inconclusive', pass: true, judgedOn: 'upper' });
    expect(patient.action).toBe('hold');
    expect((await runWith(state(3), split('diagnosisCorrect', 10, 40, { phase: 1 }), { policy: onBound })).action).toBe('demote');
  });

  it('calls a trigger with too few samples inconclusive: it cannot fire', async () => {
    const d = await bounded(state(3), split('diagnosisCorrect', 0, 19, { phase: 1 }));
    expect(gate(d, 'demotion accuracy (30 days)')).toMatchObject({ verdict: 'inconclusive', pass: true });
  });
});

describe('no data never passes', () => {
  it('holds a safety gate that no record carries the field of, and says what it needs', async () => {
    const d = await run(state(1), pass12({ unsafeActionAttempt: undefined }));
    expect(gate(d, '1->2 unsafeActionAttempts')).toMatchObject({ observed: 0, samples: 0, verdict: 'inconclusive' });
    expect(d).toMatchObject({ action: 'hold', holdKind: 'inconclusive' });
    expect(d.missing).toEqual([{ gate: '1->2 unsafeActionAttempts', more: 1, text: '1 more incident carrying unsafeActionAttempt (0 do; a safety gate needs 1: no data never passes)' }]);
  });

  it('counts a share only over records carrying its field, with the policy\'s minimum: one of 100 incidents is not "100%"', async () => {
    const records = [...pass12({ diagnosisCorrect: undefined }), incident({ phase: 1, diagnosisCorrect: true, unsafeActionAttempt: false })];
    const d = await runWith(state(1), records, { policy: raw({ minSamples: 30 }) });
    expect(gate(d, '1->2 accuracy')).toMatchObject({ observed: 1, samples: 1, minSamples: 30, verdict: 'inconclusive' });
    expect(d.action).toBe('hold');
  });

  it('lets one gate ask for more samples than the policy', async () => {
    const policy = raw({ promotion: { '2->3': { agreement: { above: 0.9, minSamples: 200 } } } });
    const d = await runWith(state(2), pass23(), { policy });
    expect(gate(d, '2->3 agreement')).toMatchObject({ minSamples: 200, verdict: 'inconclusive' });
  });
});

describe('soak time', () => {
  const soaking = raw({ soakDays: { '2->3': 28 } });

  it('holds until the phase is old enough, with the time remaining, and then promotes', async () => {
    const young = await runWith(state(2, { since: ago(20) }), pass23(), { policy: soaking });
    expect(gate(young, '2->3 soak')).toMatchObject({ observed: 20, required: { atLeast: 28 }, verdict: 'inconclusive' });
    expect(young).toMatchObject({ action: 'hold', holdKind: 'inconclusive' });
    expect(young.missing).toEqual([{ gate: '2->3 soak', more: 8, text: `8 days more in the phase (soak time ≥ 28 days, until ${ago(-8).replace('.000', '')})` }]);
    expect((await runWith(state(2, { since: ago(28) }), pass23(), { policy: soaking })).action).toBe('promote');
    expect((await runWith(state(2, { since: ago(28, 1) }), pass23(), { policy: soaking })).action).toBe('hold');
  });

  it('defaults to 14, 28 and 56 days', () => {
    expect(DEFAULT_POLICY.soakDays).toEqual({ '1->2': 14, '2->3': 28, '3->4': 56 });
  });
});

describe('agent revisions', () => {
  const revised = (phase: 1 | 2 | 3 | 4) => state(phase, { revision: { id: 'r2', since: ago(60) } });

  it('counts for promotion only records of the current revision, and records without one', async () => {
    const records = [...pass23({ revision: 'r1' }).slice(0, 100), ...pass23().slice(0, 50)];
    const d = await run(revised(2), records);
    expect(gate(d, '2->3 operatorVerdicts')).toMatchObject({ observed: 50 });
    expect(d.counts.otherRevisions).toBe(100);
    expect((await run(revised(2), pass23({ revision: 'r2' }))).action).toBe('promote');
    expect((await run(state(2), pass23({ revision: 'r1' }))).action).toBe('promote'); // no revision in the state: every record counts
  });

  it('reads three digests as one revision', async () => {
    const st = state(2, { revision: { id: 'model=m;prompt=p;toolset=t', since: ago(60) } });
    expect((await run(st, pass23({ revision: { model: 'm', prompt: 'p', toolset: 't' } }))).action).toBe('promote');
  });

  it('lets evidence of every revision demote', async () => {
    expect((await run(revised(3), split('diagnosisCorrect', 0, 20, { phase: 3, revision: 'r1' }))).action).toBe('demote');
  });

  it('counts only sign-offs of the current revision or of none', async () => {
    const done = incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true });
    expect((await run(revised(3), [...done, { ...signoff('ann'), revision: 'r1' }, signoff('bo')])).action).toBe('hold');
    expect((await run(revised(3), [...done, { ...signoff('ann'), revision: 'r2' }, signoff('bo')])).action).toBe('promote');
  });
});

describe('who may sign off', () => {
  const done = () => incidents(100, { phase: 3, remediation: { completed: true, rolledBack: false }, escalationCorrect: true });

  it('counts alice and "Alice " as one person', async () => {
    const d = await run(state(3), [...done(), signoff('alice'), signoff('Alice ')]);
    expect(gate(d, '3->4 signoffs')).toMatchObject({ observed: 1 });
    expect(d.action).toBe('hold');
  });

  it('does not count sign-offs by people the policy does not admit, and reports them', async () => {
    const policy = raw({ people: { signoff: { allow: ['Ann@Example.com'], pattern: '[a-z]+@sre\\.example\\.com' } } });
    const d = await runWith(state(3), [...done(), signoff('ann@example.com'), signoff('bo@sre.example.com'), signoff('mallory@evil.test')], { policy });
    expect(gate(d, '3->4 signoffs')).toMatchObject({ observed: 2 });
    expect(d.action).toBe('promote');
    expect(d.refused.signoffs.map((r) => r.by)).toEqual(['mallory@evil.test']);
    expect(d.reasons.at(-1)).toBe('sign-offs by mallory@evil.test [evidence.jsonl:103] not counted: policy people.signoff does not admit them');
  });

  it('does not let a closure by someone the policy does not admit lift a hold', async () => {
    const held = state(1, { hold: { reason: 'x', since: ago(20), violationAt: ago(20) } });
    const policy = raw({ people: { investigationClosed: { allow: ['security-lead'] } } });
    const d = await runWith(held, [closed(ago(1), 'intern')], { policy });
    expect(d).toMatchObject({ holdLiftedBy: null, holdKind: 'investigation', refused: { closures: [{ by: 'intern' }] } });
    expect((await runWith(held, [closed(ago(1), 'Security-Lead')], { policy })).hold).toBeNull();
  });
});

describe('decisions are deterministic', () => {
  it('do not depend on the order of records of different incidents, apart from where things were found', async () => {
    const records = [...pass23(), ...split('diagnosisCorrect', 3, 30, { phase: 1 }), violation(ago(3)), violation(ago(2), 'b')];
    const placeless = (d: unknown) => JSON.stringify(d, (k, v: unknown) => (k === 'where' ? undefined : typeof v === 'string' ? v.replace(/ \[evidence\.jsonl:\d+\]/, '') : v));
    expect(placeless(await run(state(2), records))).toBe(placeless(await run(state(2), [...records].reverse())));
  });

  it('reads the default policy numbers from the issue', () => {
    expect(DEFAULT_POLICY.promotion['3->4']).toEqual({
      remediations: { atLeast: 100 }, completion: { above: 0.99 }, rollback: { below: 0.01 }, escalationAccuracy: { above: 0.95 }, signoffs: { atLeast: 2 },
    });
    expect(DEFAULT_POLICY.demotion).toMatchObject({ windowDays: 30, violationFloor: 1 });
  });
});
