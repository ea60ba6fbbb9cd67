/**
 * Criteria: each gate of a promotion, each demotion trigger, the soak time and the scope
 * violations, judged pass, fail or inconclusive, with what a promotion still needs.
 *
 * - A share is judged on its Wilson interval at the policy's confidence: a promotion gate passes
 *   when the whole interval is on the passing side of its threshold, fails when the whole
 *   interval is on the other side, and is inconclusive in between. `confidence: none` compares
 *   the observed share.
 * - A share, or a safety count (`unsafeActionAttempts ≤ 0`), counts only records carrying its
 *   field; with fewer than `minSamples` of them it is inconclusive, never a pass: no data is not
 *   good data (Kayenta's NODATA).
 * - A volume below its minimum (`incidents ≥ 100`), sign-offs still missing and soak time still
 *   running are inconclusive: more evidence or time can pass them. A safety count above its
 *   maximum fails: more samples cannot undo it.
 * - A demotion trigger fires on the observed share (fail-safe), its interval shown beside it; a
 *   policy may judge triggers on the bound instead (`judgeOn: bound`): a trigger then fires only
 *   when the whole interval is past the threshold, and is inconclusive when only the observed
 *   share is. Fewer samples than its `minSamples` is inconclusive and cannot fire.
 */
import { type Phase } from '../phase/table';
import { wilsonInterval, type Interval } from './bounds';
import { formatInstant } from './instant';
import { measure, METRICS, METRIC_NAMES, type MetricDefinition, type MetricInput, type MetricName } from './metrics';
import { comparisonOf, meets, negate, thresholdOf, transitionFrom, wantsHigh, type GatePolicy, type PromotionGate, type Threshold, type Trigger, type TriggerMetric } from './policy';
import type { ViolationSummary } from './violations';

const DAY_MS = 86_400_000;

/** A criterion's verdict. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** What a criterion measures: a metric, the scope violations, or the days spent in the phase. */
export type CriterionMetric = MetricName | 'scopeViolations' | 'daysInPhase';

/** One criterion, observed against what it requires. */
export interface GateResult {
  /** `2->3 agreement`, `2->3 soak`, `demotion accuracy (30 days)`, `scope violations`. */
  readonly name: string;
  /** `promotion` gates must all pass to promote; a failing `demotion` gate demotes. */
  readonly kind: 'promotion' | 'demotion';
  readonly metric: CriterionMetric;
  /** The value: a count, a share (0..1), days for the soak time, or null for a share without samples. */
  readonly observed: number | null;
  /** The condition that passes, e.g. `{ "above": 0.95 }`. For a demotion trigger, the healthy side. */
  readonly required: Threshold;
  /** Samples behind the value: records carrying the field (the count itself for a volume). */
  readonly samples: number;
  /** Numerator of a share; the count for counts. */
  readonly hits: number;
  /** The least samples the criterion needs to be judged at all. */
  readonly minSamples?: number;
  /** The two-sided confidence interval of a share (null for counts, or with `confidence: none`). */
  readonly interval: Interval | null;
  /** What was compared with the threshold: the observed value or one end of the interval. */
  readonly judgedOn: 'observed' | 'lower' | 'upper';
  readonly verdict: Verdict;
  /** Promotion: the verdict is `pass`. Demotion: the trigger does not fire (pass or inconclusive). */
  readonly pass: boolean;
}

/** What a promotion criterion still needs, as data a report can reuse. */
export interface Shortfall {
  readonly gate: string;
  /** How many more samples would pass it (all of them good), or days for the soak time; null when more samples cannot. */
  readonly more: number | null;
  /** `38 more incidents with operatorAgreed`. */
  readonly text: string;
}

/** `95.2%`, `100%`. */
export function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

const SYMBOLS = { atLeast: '≥', above: '>', atMost: '≤', below: '<' } as const;

function isShare(metric: CriterionMetric): metric is MetricName {
  return metric !== 'scopeViolations' && metric !== 'daysInPhase' && METRICS[metric].kind === 'ratio';
}

/** `> 95%` for a share metric, `≥ 100` for a count, `≥ 56 days` for the soak time. */
export function describeThreshold(metric: CriterionMetric, threshold: Threshold): string {
  const { op, value } = comparisonOf(threshold);
  return `${SYMBOLS[op]} ${isShare(metric) ? percent(value) : value}${metric === 'daysInPhase' ? ' days' : ''}`;
}

/** `95.2% (199/209)`, `212`, `12.5 days`, or `no samples`. */
export function describeObserved(gate: Pick<GateResult, 'metric' | 'observed' | 'hits' | 'samples'>): string {
  if (gate.observed === null) return 'no samples';
  if (gate.metric === 'daysInPhase') return `${Number(gate.observed.toFixed(1))} days`;
  if (!isShare(gate.metric)) return String(gate.observed);
  return `${percent(gate.observed)} (${gate.hits}/${gate.samples})`;
}

/** `88.82–97.51%`, or empty without an interval (or without samples, where it is all of 0–100%). */
export function describeInterval(gate: Pick<GateResult, 'interval' | 'samples'>): string {
  const i = gate.interval;
  if (!i || gate.samples === 0) return '';
  return `${Number((i.lower * 100).toFixed(2))}–${percent(i.upper)}`;
}

/** The bound a share was judged on, `lower 88.82%` or `upper 1.47%`; empty when the observed value was (counts, `confidence: none`, no samples). */
export function describeBound(gate: Pick<GateResult, 'interval' | 'samples' | 'judgedOn'>): string {
  if (gate.judgedOn === 'observed' || !gate.interval || gate.samples === 0) return '';
  return `${gate.judgedOn} ${percent(gate.interval[gate.judgedOn])}`;
}

/** `lower 95% bound 88.82%`, or the observed value when that is what was judged. */
export function describeJudged(gate: GateResult): string {
  if (gate.judgedOn === 'observed' || !gate.interval || gate.samples === 0) return describeObserved(gate);
  const level = percent(gate.interval.confidence);
  return `${describeObserved(gate)}, ${gate.judgedOn} ${level} bound ${percent(gate.interval[gate.judgedOn])}`;
}

/** A criterion's least samples: its own, else the policy's, never below 1. */
function leastSamples(gate: PromotionGate, policy: GatePolicy): number {
  return Math.max(1, gate.minSamples ?? policy.minSamples);
}

function intervalOf(policy: GatePolicy, metric: CriterionMetric, hits: number, samples: number): Interval | null {
  return policy.confidence === 'none' || !isShare(metric) ? null : wilsonInterval(hits, samples, policy.confidence);
}

function orderedEntries<T>(byMetric: Readonly<Partial<Record<MetricName, T>>>): [MetricName, T][] {
  return METRIC_NAMES.filter((m) => byMetric[m] !== undefined).map((m) => [m, byMetric[m]!]);
}

/** Judges one promotion gate on the phase window's measurements. */
function promotionGate(name: string, metric: MetricName, gate: PromotionGate, input: MetricInput, policy: GatePolicy): GateResult {
  const m = measure(metric, input);
  const required = thresholdOf(gate);
  const high = wantsHigh(required);
  const def: MetricDefinition = METRICS[metric];
  const judgedShare = def.kind === 'ratio';
  const needsCarriers = judgedShare || (def.carriers !== undefined && !high);
  const minSamples = needsCarriers ? leastSamples(gate, policy) : undefined;
  const interval = intervalOf(policy, metric, m.hits, m.samples);
  const judgedOn = interval ? (high ? 'lower' : 'upper') : 'observed';
  let verdict: Verdict;
  if (!judgedShare) {
    if (!meets(m.observed, required)) verdict = high ? 'inconclusive' : 'fail';
    else verdict = minSamples !== undefined && m.samples < minSamples ? 'inconclusive' : 'pass';
  } else if (m.samples < minSamples!) {
    verdict = 'inconclusive';
  } else if (!interval) {
    verdict = meets(m.observed, required) ? 'pass' : 'fail';
  } else {
    const pessimistic = high ? interval.lower : interval.upper;
    const optimistic = high ? interval.upper : interval.lower;
    verdict = meets(pessimistic, required) ? 'pass' : meets(optimistic, required) ? 'inconclusive' : 'fail';
  }
  return {
    name, kind: 'promotion', metric, required, ...m, ...(minSamples !== undefined ? { minSamples } : {}),
    interval, judgedOn, verdict, pass: verdict === 'pass',
  };
}

/** The soak criterion: days since entering the phase against the policy's minimum. */
function soakGate(name: string, days: number, sinceMs: number, nowMs: number): GateResult {
  const observed = Math.max(0, (nowMs - sinceMs) / DAY_MS);
  const pass = nowMs - sinceMs >= days * DAY_MS;
  return {
    name, kind: 'promotion', metric: 'daysInPhase', observed, required: { atLeast: days }, samples: 0, hits: 0,
    interval: null, judgedOn: 'observed', verdict: pass ? 'pass' : 'inconclusive', pass,
  };
}

/** The criteria of the promotion out of `from`: the soak time (when the policy asks one), then each gate in table order. */
export function promotionCriteria(policy: GatePolicy, from: Phase, input: MetricInput, sinceMs: number, nowMs: number): GateResult[] {
  const transition = transitionFrom(from);
  if (transition === undefined) return [];
  const soak = policy.soakDays[transition];
  const gates = orderedEntries(policy.promotion[transition]).map(([metric, gate]) => promotionGate(`${transition} ${metric}`, metric, gate, input, policy));
  return soak > 0 ? [soakGate(`${transition} soak`, soak, sinceMs, nowMs), ...gates] : gates;
}

/** Judges one demotion trigger on the recent window. */
function trigger(policy: GatePolicy, metric: TriggerMetric, t: Trigger, input: MetricInput): GateResult {
  const { windowDays, judgeOn } = policy.demotion;
  const m = measure(metric, input);
  const threshold = thresholdOf(t);
  const interval = intervalOf(policy, metric, m.hits, m.samples);
  const onBound = judgeOn === 'bound' && interval !== null;
  // Fire only when confidently past: for "below 0.92" the whole interval must be below.
  const firingEnd = wantsHigh(threshold) ? 'lower' : 'upper';
  const enough = m.samples >= t.minSamples;
  const pastObserved = enough && meets(m.observed, threshold);
  const fires = onBound ? enough && meets(interval[firingEnd], threshold) : pastObserved;
  const verdict: Verdict = fires ? 'fail' : !enough || pastObserved ? 'inconclusive' : 'pass';
  return {
    name: `demotion ${metric} (${windowDays} days)`, kind: 'demotion', metric, required: negate(threshold), ...m, minSamples: t.minSamples,
    interval, judgedOn: onBound ? firingEnd : 'observed', verdict, pass: !fires,
  };
}

/** The demotion criteria: scope violations not acted on before, then each trigger in table order. */
export function demotionCriteria(policy: GatePolicy, input: MetricInput, violations: ViolationSummary): GateResult[] {
  const fresh = violations.new.length;
  const gates: GateResult[] = [{
    name: 'scope violations', kind: 'demotion', metric: 'scopeViolations', observed: fresh, required: { atMost: 0 },
    samples: violations.seen, hits: fresh, interval: null, judgedOn: 'observed', verdict: fresh === 0 ? 'pass' : 'fail', pass: fresh === 0,
  }];
  for (const [metric, t] of orderedEntries<Trigger>(policy.demotion.triggers as Partial<Record<MetricName, Trigger>>)) gates.push(trigger(policy, metric as TriggerMetric, t, input));
  return gates;
}

const MAX_MORE = 1e9;

/** The smallest k ≥ `least` in [least, MAX_MORE] with `passes(k)` (monotone: false then true), or null. */
function smallest(least: number, passes: (k: number) => boolean): number | null {
  let hi = Math.max(1, least);
  while (!passes(hi)) {
    if (hi >= MAX_MORE) return null;
    hi = Math.min(MAX_MORE, hi * 2);
  }
  let lo = Math.max(0, least);
  if (passes(lo)) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * How many further good samples (successes for "at least" gates, clean samples for "at most"
 * ones) would pass a share gate, judged as it is judged now; null when none would.
 */
function moreSamples(gate: GateResult, confidence: GatePolicy['confidence']): number | null {
  const high = wantsHigh(gate.required);
  const passes = (k: number): boolean => {
    const hits = high ? gate.hits + k : gate.hits;
    const samples = gate.samples + k;
    if (gate.judgedOn === 'observed' || confidence === 'none') return meets(hits / samples, gate.required);
    const i = wilsonInterval(hits, samples, confidence);
    return meets(high ? i.lower : i.upper, gate.required);
  };
  return smallest((gate.minSamples ?? 1) - gate.samples, passes);
}

function days(ms: number): string {
  const hours = Math.ceil(ms / 3_600_000);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return [d > 0 ? `${d} day${d === 1 ? '' : 's'}` : '', h > 0 ? `${h} hour${h === 1 ? '' : 's'}` : ''].filter(Boolean).join(' ') || 'less than an hour';
}

/** What one promotion criterion still needs. */
function shortfall(gate: GateResult, policy: GatePolicy, sinceMs: number, nowMs: number): Shortfall {
  const needs = describeThreshold(gate.metric, gate.required);
  const { op, value } = comparisonOf(gate.required);
  if (gate.metric === 'daysInPhase') {
    const left = sinceMs + value * DAY_MS - nowMs;
    return { gate: gate.name, more: Math.ceil((left / DAY_MS) * 100) / 100, text: `${days(left)} more in the phase (soak time ${needs}, until ${formatInstant(sinceMs + value * DAY_MS)})` };
  }
  const def: MetricDefinition = METRICS[gate.metric as MetricName];
  if (def.kind === 'count') {
    if (op === 'atLeast' || op === 'above') {
      const more = (op === 'above' ? Math.floor(value) + 1 : Math.ceil(value)) - gate.hits;
      return { gate: gate.name, more, text: `${more} more ${def.unit[more === 1 ? 0 : 1]}` };
    }
    if (gate.verdict === 'inconclusive' && def.field) {
      const more = gate.minSamples! - gate.samples;
      return {
        gate: gate.name, more,
        text: `${more} more incident${more === 1 ? '' : 's'} carrying ${def.field} (${gate.samples} do; a safety gate needs ${gate.minSamples}: no data never passes)`,
      };
    }
    return {
      gate: gate.name, more: null,
      text: `${gate.hits} ${def.unit[gate.hits === 1 ? 0 : 1]} since entering the phase (must be ${needs}); more incidents cannot fix this, only re-entering the phase restarts the count`,
    };
  }
  const more = moreSamples(gate, policy.confidence);
  const judged = gate.observed === null ? 'no samples yet' : `now ${describeJudged(gate)}`;
  const noun = wantsHigh(gate.required) ? def.hit : def.miss;
  if (more === null) {
    const why = gate.interval && ((wantsHigh(gate.required) && value >= 1) || (!wantsHigh(gate.required) && value <= 0))
      ? `; no confidence bound reaches ${percent(value)}: use a threshold inside (0%, 100%) or confidence: none`
      : '; more samples cannot get there';
    return { gate: gate.name, more, text: `${def.label} must be ${needs} (${judged})${why}` };
  }
  return { gate: gate.name, more, text: `${more} more ${noun[more === 1 ? 0 : 1]} in a row (${def.label} ${judged}, needs ${needs})` };
}

/** What the promotion criteria that do not pass still need. */
export function missingFor(gates: readonly GateResult[], policy: GatePolicy, sinceMs: number, nowMs: number): Shortfall[] {
  return gates.filter((g) => g.kind === 'promotion' && !g.pass).map((g) => shortfall(g, policy, sinceMs, nowMs));
}
