import { describe, expect, it } from 'vitest';
import { IncidentTimeline, MAX_BUCKETS } from '../../src/report';
import { AGENT, DAY, NOW_MS, ago, incident } from './helpers';

function timeline(records: Record<string, unknown>[], minBuckets = 1, recent = 30) {
  const t = new IncidentTimeline(AGENT, NOW_MS);
  for (const r of records) t.line(JSON.stringify(r));
  return t.result(minBuckets, recent);
}

describe('IncidentTimeline', () => {
  it('puts an incident in the bucket of the 24 hours ending at now, counted back from now', () => {
    const t = timeline([
      incident(0), // at now: newest bucket
      incident(1), // exactly 24 h before now: still the newest bucket, as the gate's inclusive window
      incident(1 + 1 / DAY), // one millisecond earlier: the bucket before
      incident(2.5),
    ], 4);
    expect(t.buckets).toBe(4);
    expect([...t.series.incidents]).toEqual([0, 1, 1, 2]);
  });

  it('counts an incident once, its last record in input order', () => {
    const t = timeline([
      incident(3, { id: 'A', diagnosisCorrect: false }),
      incident(1, { id: 'A', diagnosisCorrect: true }),
    ], 4);
    expect(t.incidents).toBe(1);
    expect([...t.series.diagnosed]).toEqual([0, 0, 0, 1]);
    expect([...t.series.diagnosisCorrect]).toEqual([0, 0, 0, 1]);
  });

  it('ignores other agents and records later than now, as the gate does', () => {
    const t = timeline([
      incident(1, { id: 'A' }),
      incident(1, { id: 'A', agent: 'other', diagnosisCorrect: false }), // replaces nothing
      incident(-1, { id: 'B' }),
    ]);
    expect(t.incidents).toBe(1);
    expect(t.series.diagnosed[0]).toBe(0);
  });

  it('tallies every outcome field the gate counts', () => {
    const t = timeline([incident(0.5, {
      diagnosisCorrect: true, unsafeActionAttempt: true, operatorAgreed: false, edits: 'minimal', outOfScopeRecommendation: true,
      remediation: { completed: true, rolledBack: true }, escalationCorrect: true,
    })]);
    const at0 = Object.fromEntries(Object.entries(t.series).map(([k, v]) => [k, v[0]]));
    expect(at0).toEqual({
      incidents: 1, diagnosed: 1, diagnosisCorrect: 1, unsafeActionAttempts: 1, withOperatorVerdict: 1, operatorAgreed: 0,
      withEdits: 1, lightEdits: 1, outOfScopeRecommendations: 1, remediations: 1, remediationsCompleted: 1, remediationsRolledBack: 1,
      withEscalationVerdict: 1, escalationCorrect: 1,
    });
  });

  it('extends the range back to the oldest incident and tallies domains over all and the trailing window', () => {
    const t = timeline([incident(40.5, { domain: 'dns' }), incident(2, { domain: 'dns' }), incident(1, { domain: 'auth' })], 10, 30);
    expect(t.buckets).toBe(41);
    expect(t.domains.map((d) => [d.domain, d.all.incidents, d.recent.incidents])).toEqual([['auth', 1, 1], ['dns', 2, 1]]);
  });

  it('groups scope violations per bucket and keeps the first one of each', () => {
    const v = (days: number, detail: string) => ({ type: 'scope-violation', agent: AGENT, at: ago(days), source: 'k8s', detail });
    const t = timeline([v(0.2, 'first'), v(0.1, 'second'), v(2.5, 'older')], 3);
    expect(t.violations).toEqual([
      { bucket: 0, count: 1, first: { at: ago(2.5), source: 'k8s', detail: 'older' } },
      { bucket: 2, count: 2, first: { at: ago(0.2), source: 'k8s', detail: 'first' } },
    ]);
  });

  it('charts at most ten years and keeps older incidents in the domain totals', () => {
    const t = timeline([incident(MAX_BUCKETS + 100), incident(1)]);
    expect(t.buckets).toBe(MAX_BUCKETS);
    expect(t.beforeBuckets).toBe(1);
    expect(t.series.incidents.reduce((a, b) => a + b, 0)).toBe(1);
    expect(t.domains[0]!.all.incidents).toBe(2);
  });

  it('skips blank lines as the gate does', () => {
    const t = new IncidentTimeline(AGENT, NOW_MS);
    t.line('');
    t.line(' \t\r');
    expect(t.result(1, 30).incidents).toBe(0);
  });
});
