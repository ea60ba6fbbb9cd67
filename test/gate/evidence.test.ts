import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/gate/evaluate';
import { TrustError } from '../../src/errors';
import { AGENT, ago, aggregates, DAY, incident, NOW, NOW_MS, state } from './helpers';

async function failure(text: string): Promise<TrustError> {
  try {
    await aggregate({ state: state(2), now: NOW, evidence: [{ name: 'e.jsonl', chunks: [text] }] });
  } catch (e) {
    if (e instanceof TrustError) return e;
    throw e;
  }
  throw new Error('expected a TrustError');
}

const ok = JSON.stringify(incident());

describe('evidence records', () => {
  it('fails on a malformed JSON line, naming FILE:LINE', async () => {
    const e = await failure(`${ok}\n{"type": "incident",\n`);
    expect(e.code).toBe('GT_EVIDENCE_INVALID');
    expect(e.message).toMatch(/^e\.jsonl:2: not valid JSON \(.+\); each line must be one JSON object$/);
  });

  it('fails on a line that is JSON but not an object', async () => {
    expect((await failure(`${ok}\n[1, 2]\n`)).message).toMatch(/^e\.jsonl:2: is \[1,2\]: each line must be one JSON object/);
  });

  it('fails on an unknown type, listing the allowed ones', async () => {
    const e = await failure(JSON.stringify({ ...incident(), type: 'incidnet' }));
    expect(e.message).toBe('e.jsonl:1: field "type" is "incidnet": must be one of "incident", "signoff", "scope-violation", "investigation-closed"');
  });

  it('fails on a timestamp without a zone or out of range', async () => {
    expect((await failure(JSON.stringify({ ...incident(), at: '2026-05-01T00:00:00' }))).message)
      .toBe('e.jsonl:1: field "at" is "2026-05-01T00:00:00": must be an ISO-8601 time with a zone, e.g. 2026-05-01T00:00:00Z');
    expect((await failure(JSON.stringify({ ...incident(), at: '2026-02-30T00:00:00Z' }))).message).toMatch(/field "at" is "2026-02-30T00:00:00Z"/);
    expect((await failure(JSON.stringify({ ...incident(), at: 1764072000 }))).message).toMatch(/field "at" is 1764072000/);
  });

  it.each([
    ['diagnosisCorrect', 'yes', 'true or false (omit the field when unknown)'],
    ['unsafeActionAttempt', null, 'true or false (omit the field when unknown)'],
    ['operatorAgreed', 1, 'true or false'],
    ['outOfScopeRecommendation', 'false', 'true or false'],
    ['escalationCorrect', [], 'true or false'],
    ['edits', 'some', 'one of "none", "minimal", "major", "rejected"'],
    ['remediation', true, 'an object like {"completed": true, "rolledBack": false}'],
    ['remediation', { completed: true }, 'true or false'],
    ['confidence', 1.2, 'a number from 0 to 1'],
    ['confidence', '0.9', 'a number from 0 to 1'],
    ['phase', 5, '1, 2, 3 or 4'],
    ['phase', '2', '1, 2, 3 or 4'],
    ['id', 42, 'a non-empty string'],
    ['domain', '', 'a non-empty string'],
    ['agent', 7, 'the agent\'s name'],
  ])('fails on field %s of the wrong type (%j)', async (field, value, allowed) => {
    const e = await failure(`${ok}\n${JSON.stringify({ ...incident(), [field]: value })}\n`);
    expect(e.code).toBe('GT_EVIDENCE_INVALID');
    const shown = field === 'remediation' && typeof value === 'object' ? 'remediation.rolledBack' : field;
    expect(e.message).toContain(`e.jsonl:2: field "${shown}" is `);
    expect(e.message).toContain(allowed);
  });

  it('fails on bad fields of the other record types', async () => {
    expect((await failure(JSON.stringify({ type: 'signoff', agent: AGENT, at: ago(1), by: 'al', transition: '3-4' }))).message)
      .toBe('e.jsonl:1: field "transition" is "3-4": must be one of "1->2", "2->3", "3->4"');
    expect((await failure(JSON.stringify({ type: 'signoff', agent: AGENT, at: ago(1), transition: '3->4' }))).message).toContain('field "by" is missing');
    expect((await failure(JSON.stringify({ type: 'scope-violation', agent: AGENT, at: ago(1), source: 'x' }))).message).toContain('field "detail" is missing');
    expect((await failure(JSON.stringify({ type: 'investigation-closed', agent: AGENT, at: ago(1), by: 'al', note: 3 }))).message).toContain('field "note" is 3: must be a string');
  });

  it('checks records of other agents and future records too', async () => {
    expect((await failure(JSON.stringify({ ...incident(), agent: 'other', edits: 'lots' }))).message).toContain('field "edits"');
    expect((await failure(JSON.stringify({ ...incident(), at: ago(-3), phase: 0 }))).message).toContain('field "phase"');
  });

  it('skips blank lines and keeps counting lines across them', async () => {
    const e = await failure(`${ok}\n\n   \n{bad\n`);
    expect(e.message).toMatch(/^e\.jsonl:4: /);
  });

  it('names the right file when several are given', async () => {
    const run = aggregate({ state: state(2), now: NOW, evidence: [{ name: 'a.jsonl', chunks: [`${ok}\n`] }, { name: 'b.jsonl', chunks: [`${ok}\nnope\n`] }] });
    await expect(run).rejects.toThrow(/^b\.jsonl:2: not valid JSON/);
  });
});

describe('the agent never vouches for itself', () => {
  it.each([
    ['signoff', 'incident-responder', 'transition'],
    ['signoff', ' Incident-Responder ', 'transition'],
    ['signoff', 'system:serviceaccount:ops-agents:incident-responder', 'transition'],
    ['investigation-closed', 'incident-responder', 'note'],
    ['investigation-closed', 'SYSTEM:SERVICEACCOUNT:other-ns:incident-responder', 'note'],
  ])('fails on a %s by the agent\'s own identity %j, naming FILE:LINE', async (type, by) => {
    const e = await failure(`${ok}\n${JSON.stringify({ type, agent: AGENT, at: ago(1), by, transition: '3->4', note: '' })}\n`);
    expect(e.code).toBe('GT_EVIDENCE_INVALID');
    expect(e.message).toMatch(/^e\.jsonl:2: field "by" is .*: that is the agent "incident-responder" itself, and an agent never (signs off its own promotion|closes an investigation of itself); remove the record/);
  });

  it('fails on a sign-off by an identity the audit flags name, and on a sign-off of another agent by that agent', async () => {
    const signoff = JSON.stringify({ type: 'signoff', agent: AGENT, at: ago(1), by: 'arn:aws:iam::1:role/IR', transition: '3->4' });
    const run = aggregate({ state: state(3), now: NOW, evidence: [{ name: 'e.jsonl', chunks: [signoff] }], identities: ['arn:aws:iam::1:role/ir'] });
    await expect(run).rejects.toThrow(/^e\.jsonl:1: field "by" is "arn:aws:iam::1:role\/IR": that is the agent/);
    expect((await failure(JSON.stringify({ type: 'signoff', agent: 'billing', at: ago(1), by: 'billing', transition: '1->2' }))).message).toContain('that is the agent "billing" itself');
  });

  it('fails on a name of white space only', async () => {
    expect((await failure(JSON.stringify({ type: 'signoff', agent: AGENT, at: ago(1), by: '  ', transition: '3->4' }))).message).toContain('field "by" is "  ": must be a person\'s name');
  });
});

describe('evidence aggregation', () => {
  it('counts incidents of the current phase from since (inclusive) to now (inclusive)', async () => {
    const st = state(2, { since: ago(10) });
    const a = await aggregates(st, [
      incident({ at: ago(10) }), // at since
      incident({ at: ago(10, -1) }), // a second before since
      incident({ at: NOW.toISOString() }), // at now
      incident({ at: ago(0, 1) }), // a second after now: future
      incident({ at: ago(5), phase: 1 }), // other phase
    ]);
    expect(a.evidence.phaseWindow.incidents).toBe(2);
    expect(a.evidence.counts.future).toBe(1);
  });

  it('counts the recent window from now minus 30 days (inclusive), whatever the phase', async () => {
    const st = state(3, { since: ago(100) });
    const a = await aggregates(st, [
      incident({ at: ago(30), phase: 1 }), // exactly 30 days
      incident({ at: ago(30, 1), phase: 2 }), // 30 days less a second
      incident({ at: ago(30, -1), phase: 3 }), // 30 days and a second
    ]);
    expect(a.evidence.recentWindow.incidents).toBe(2);
    expect(a.evidence.phaseWindow.incidents).toBe(1);
  });

  it('starts the recent window strictly after the last demotion', async () => {
    const st = state(2, { since: ago(5), history: [{ from: 3, to: 2, at: ago(5), by: 'trust-gate evaluate', reasons: [], kind: 'evaluate' }] });
    const a = await aggregates(st, [incident({ at: ago(5) }), incident({ at: ago(5, 1) }), incident({ at: ago(20) })]);
    expect(a.evidence.recentWindow.incidents).toBe(1);
  });

  it('counts an id once, the last record winning, even when the last one leaves the windows', async () => {
    const st = state(2, { since: ago(10) });
    const a = await aggregates(st, [
      incident({ id: 'A', diagnosisCorrect: false }),
      incident({ id: 'A', diagnosisCorrect: true }),
      incident({ id: 'B', diagnosisCorrect: true }),
      incident({ id: 'B', at: ago(90) }), // B's last record is outside both windows
      incident({ id: 'C', at: ago(90) }),
      incident({ id: 'C', diagnosisCorrect: false }), // C's last record is inside
    ]);
    expect(a.evidence.phaseWindow).toMatchObject({ incidents: 2, diagnosed: 2, diagnosisCorrect: 1 });
    expect(a.evidence.counts.duplicates).toBe(2);
  });

  it('ignores records of other agents and future records entirely: they neither count nor replace', async () => {
    const st = state(2, { since: ago(10) });
    const a = await aggregates(st, [
      incident({ id: 'A', diagnosisCorrect: true }),
      incident({ id: 'A', agent: 'someone-else', diagnosisCorrect: false }),
      incident({ id: 'A', at: ago(-1), diagnosisCorrect: false }),
      { type: 'signoff', agent: 'someone-else', at: ago(1), by: 'x', transition: '2->3' },
    ]);
    expect(a.evidence.phaseWindow).toMatchObject({ incidents: 1, diagnosisCorrect: 1 });
    expect(a.evidence.counts).toEqual({ records: 4, otherAgents: 2, future: 1, duplicates: 0, otherRevisions: 0 });
  });

  it('counts each outcome field only where present', async () => {
    const a = await aggregates(state(2, { since: ago(10) }), [
      incident({ diagnosisCorrect: true, operatorAgreed: false, edits: 'none' }),
      incident({ edits: 'minimal', remediation: { completed: true, rolledBack: true }, escalationCorrect: true }),
      incident({ edits: 'major', unsafeActionAttempt: true, outOfScopeRecommendation: true, confidence: 0 }),
      incident({ edits: 'rejected', unsafeActionAttempt: false, outOfScopeRecommendation: false, confidence: 1 }),
      incident({ domain: 'network' }),
    ]);
    expect(a.evidence.phaseWindow).toEqual({
      incidents: 5, domains: ['database', 'network'], diagnosed: 1, diagnosisCorrect: 1, withUnsafeActionAttempt: 2, unsafeActionAttempts: 1,
      withOperatorVerdict: 1, operatorAgreed: 0, withEdits: 4, lightEdits: 2, withOutOfScopeRecommendation: 2, outOfScopeRecommendations: 1,
      remediations: 1, remediationsCompleted: 1, remediationsRolledBack: 1, withEscalationVerdict: 1, escalationCorrect: 1,
    });
  });

  it('collects distinct sign-off authors for the next promotion since entering the phase', async () => {
    const so = (by: string, transition: string, at = ago(1)) => ({ type: 'signoff', agent: AGENT, at, by, transition });
    const a = await aggregates(state(3, { since: ago(10) }), [
      so('bob', '3->4'), so('bob', '3->4'), so('alice', '3->4'), so('carol', '2->3'), so('dave', '3->4', ago(11)), so('erin', '3->4', ago(-1)),
    ]);
    expect(a.evidence.signers.map((p) => p.by)).toEqual(['alice', 'bob']);
  });

  it('counts people once whatever their case and surrounding spaces, showing the first spelling read', async () => {
    const so = (by: string) => ({ type: 'signoff', agent: AGENT, at: ago(1), by, transition: '3->4' });
    const a = await aggregates(state(3, { since: ago(10) }), [so('Alice '), so('alice'), so('ALICE'), so('ｂｏｂ'), so('bob')]);
    expect(a.evidence.signers.map((p) => [p.key, p.by, p.where])).toEqual([['alice', 'Alice ', 'evidence.jsonl:1'], ['bob', 'ｂｏｂ', 'evidence.jsonl:4']]);
  });

  it('keeps the newest investigation-closed record of each person at or before now', async () => {
    const closed = (at: string, by: string) => ({ type: 'investigation-closed', agent: AGENT, at, by, note: '' });
    const a = await aggregates(state(1), [closed(ago(3), 'a'), closed(ago(1), 'b'), closed(ago(2), 'a'), closed(ago(-1), 'future')]);
    expect(a.evidence.closures.map((c) => [c.by, c.at])).toEqual([['a', ago(2).replace('.000', '')], ['b', new Date(NOW_MS - DAY).toISOString().replace('.000', '')]]);
  });

  it('treats the same scope violation written twice, or in another zone, as one', async () => {
    const v = (at: string) => ({ type: 'scope-violation', agent: AGENT, at, source: 'falco', detail: 'exec into pod' });
    const a = await aggregates(state(2), [v('2026-11-20T10:00:00Z'), v('2026-11-20T12:00:00+02:00'), v('2026-11-20T10:00:01Z')]);
    expect(a.violations.seen).toBe(2);
    expect(a.violations.new.map((x) => x.where)).toEqual(['evidence.jsonl:1', 'evidence.jsonl:3']);
  });
});
