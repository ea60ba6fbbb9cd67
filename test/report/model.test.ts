import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type GatePolicy } from '../../src/gate';
import { phaseTimeline, reportModel, thresholdLines } from '../../src/report';
import { collect, incident, state, steadyEvidence, ago } from './helpers';

describe('reportModel', () => {
  it('ends every rolling metric at the numbers the demotion triggers saw', async () => {
    // GIVEN 90 days of steady evidence and no demotion in history
    const data = await collect(state(3, 200), steadyEvidence(90, 5));
    // WHEN the model is laid out
    const model = reportModel(data);
    // THEN the last point of each charted metric is the gate's demotion gate, hits and samples alike
    const last = (metric: string) => model.panels.find((p) => p.metric === metric)!.points.at(-1)!;
    for (const metric of ['accuracy', 'rollback'] as const) {
      const gate = data.decision.gates.find((g) => g.kind === 'demotion' && g.metric === metric)!;
      expect(last(metric)).toEqual({ observed: gate.observed, hits: gate.hits, samples: gate.samples });
    }
  });

  it('draws the default policy: demotion at 92% and the 95% bar for accuracy, 2% and 1% for rollback', () => {
    expect(thresholdLines(DEFAULT_POLICY, 'accuracy')).toEqual([
      { kind: 'demotion', value: 0.92, label: 'demotes < 92%' },
      { kind: 'promotion', value: 0.95, label: '1->2 needs > 95%' },
    ]);
    expect(thresholdLines(DEFAULT_POLICY, 'rollback')).toEqual([
      { kind: 'demotion', value: 0.02, label: 'demotes > 2%' },
      { kind: 'promotion', value: 0.01, label: '3->4 needs < 1%' },
    ]);
    expect(thresholdLines(DEFAULT_POLICY, 'agreement')).toEqual([{ kind: 'promotion', value: 0.9, label: '2->3 needs > 90%' }]);
  });

  it('draws the lines of a calibrated policy instead of the defaults', () => {
    const policy: GatePolicy = {
      ...DEFAULT_POLICY,
      demotion: { ...DEFAULT_POLICY.demotion, triggers: { accuracy: { below: 0.9, minSamples: 30 } } },
    };
    expect(thresholdLines(policy, 'accuracy')[0]).toEqual({ kind: 'demotion', value: 0.9, label: 'demotes < 90%' });
    expect(thresholdLines(policy, 'rollback')).toEqual([{ kind: 'promotion', value: 0.01, label: '3->4 needs < 1%' }]);
  });

  it('shows no value for a window without samples', async () => {
    const model = reportModel(await collect(state(2, 100), [incident(80, { diagnosisCorrect: true })]));
    const accuracy = model.panels.find((p) => p.metric === 'accuracy')!;
    expect(accuracy.points.at(-1)).toEqual({ observed: null, hits: 0, samples: 0 });
    expect(accuracy.points.some((p) => p.observed === 1)).toBe(true);
  });

  it('ranks domains by incidents and measures each over all evidence', async () => {
    const model = reportModel(await collect(state(2), [
      incident(3, { domain: 'dns', diagnosisCorrect: true }), incident(2, { domain: 'dns', diagnosisCorrect: false }), incident(1, { domain: 'auth' }),
    ]));
    expect(model.domains.map((d) => [d.domain, d.incidents, d.metrics.accuracy.observed])).toEqual([['dns', 2, 0.5], ['auth', 1, null]]);
  });
});

describe('phaseTimeline', () => {
  it('steps through the history and marks promotions, demotions, restarts and phases set by hand', () => {
    const t = phaseTimeline({
      agent: 'a', phase: 1, since: ago(5),
      history: [
        { from: null, to: 1, at: ago(50), by: 'alice', reasons: ['onboarded'], kind: 'set-phase' },
        { from: 1, to: 2, at: ago(30), by: 'trust-gate evaluate', reasons: ['gates passed'], kind: 'evaluate' },
        { from: 2, to: 1, at: ago(10), by: 'trust-gate evaluate', reasons: ['scope violation'], kind: 'evaluate' },
        { from: 1, to: 1, at: ago(5), by: 'trust-gate evaluate', reasons: ['restart'], kind: 'evaluate' },
      ],
      hold: { reason: 'scope violation (k8s): delete pod', since: ago(10), violationAt: ago(11) },
    });
    expect(t.steps.map((s) => s.phase)).toEqual([1, 2, 1]);
    expect(t.changes.map((c) => [c.kind, c.manual])).toEqual([['created', true], ['promote', false], ['demote', false], ['restart', false]]);
    expect(t.hold).toMatchObject({ violationAt: ago(11), reason: 'scope violation (k8s): delete pod' });
  });

  it('draws a state without history as one step from since', () => {
    const t = phaseTimeline(state(3, 12));
    expect(t.steps).toEqual([{ atMs: Date.parse(ago(12)), phase: 3 }]);
    expect(t.changes).toEqual([]);
    expect(t.hold).toBeNull();
  });
});
