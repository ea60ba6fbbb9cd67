/**
 * What the report plots, computed from the collected data: rolling metrics per bucket with the
 * policy's lines, the phase over time from history, and the per-domain rows. Pure.
 *
 * Metrics are the gate's own (`measure` over `OutcomeCounts`), so the rolling value at the last
 * bucket is the number the demotion triggers saw, except that the chart does not restart after
 * a demotion (the gate ignores evidence up to the last demotion; a picture of the agent's
 * record should not).
 */
import {
  comparisonOf, describeThreshold, measure, parseInstant, METRICS, TRANSITIONS,
  type GatePolicy, type Measurement, type MetricName, type OutcomeCounts, type TriggerMetric,
} from '../gate';
import type { Phase } from '../phase/table';
import type { StateFile } from '../state/schema';
import type { ReportData } from './collect';
import { DAY_MS, OUTCOME_FIELDS, type BucketSeries, type OutcomeField, type ViolationMark } from './timeline';

/** The metrics charted over time, in the order shown. */
export const CHARTED_METRICS = ['accuracy', 'rollback', 'agreement', 'escalationAccuracy'] as const satisfies readonly MetricName[];

/** A charted metric. */
export type ChartedMetric = (typeof CHARTED_METRICS)[number];

/** A horizontal line the policy draws on a metric: where it demotes or what a promotion needs. */
export interface ThresholdLine {
  readonly kind: 'demotion' | 'promotion';
  readonly value: number;
  /** `demotes < 92%`, `1->2 needs > 95%`. */
  readonly label: string;
}

/** One metric over the rolling window ending at each bucket. */
export interface MetricPanel {
  readonly metric: ChartedMetric;
  /** The gate's words for it. */
  readonly label: string;
  /** One per bucket, oldest first. */
  readonly points: readonly Measurement[];
  readonly thresholds: readonly ThresholdLine[];
  /** The demotion trigger fires only with this many samples; fewer are drawn faint. */
  readonly minSamples: number | undefined;
}

/** A recorded phase change, as a marker. */
export interface PhaseChange {
  readonly atMs: number;
  readonly at: string;
  readonly from: Phase | null;
  readonly to: Phase;
  /** `restart`: acting on a scope violation at or below the floor (same phase, restarted). */
  readonly kind: 'created' | 'promote' | 'demote' | 'restart';
  /** Set by hand (`set-phase`) rather than by the gate. */
  readonly manual: boolean;
  readonly by: string;
  readonly reasons: readonly string[];
}

/** The phase over time. */
export interface PhaseTimeline {
  /** Where the phase starts to hold, oldest first; the last one lasts until now. */
  readonly steps: readonly { readonly atMs: number; readonly phase: Phase }[];
  readonly changes: readonly PhaseChange[];
  /** The hold in the state file, if any. */
  readonly hold: { readonly sinceMs: number; readonly violationAt: string; readonly reason: string } | null;
}

/** One row of the per-domain table. */
export interface DomainRow {
  readonly domain: string;
  readonly incidents: number;
  /** Incidents in the trailing window. */
  readonly recent: number;
  /** Over all evidence. */
  readonly metrics: Readonly<Record<ChartedMetric, Measurement>>;
}

/** Everything the report draws. */
export interface ReportModel {
  /** Start of the oldest bucket and end of the newest (now), ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly buckets: number;
  /** Incidents per bucket. */
  readonly incidents: Int32Array;
  readonly panels: readonly MetricPanel[];
  readonly phases: PhaseTimeline;
  /** Scope violations per bucket. */
  readonly violations: readonly ViolationMark[];
  readonly domains: readonly DomainRow[];
}

/** Running sums of each series: `sums[f][i]` is the total of buckets before `i`. */
function prefixSums(series: BucketSeries, buckets: number): Record<OutcomeField, Float64Array> {
  const out = {} as Record<OutcomeField, Float64Array>;
  for (const f of OUTCOME_FIELDS) {
    const sums = new Float64Array(buckets + 1);
    for (let i = 0; i < buckets; i++) sums[i + 1] = sums[i]! + series[f][i]!;
    out[f] = sums;
  }
  return out;
}

/** Outcomes of the window of `width` buckets ending at bucket `end` (inclusive). */
function windowCounts(sums: Record<OutcomeField, Float64Array>, end: number, width: number): OutcomeCounts {
  const from = Math.max(0, end + 1 - width);
  const counts = { domains: [] as string[] } as Record<string, unknown>;
  for (const f of OUTCOME_FIELDS) counts[f] = sums[f][end + 1]! - sums[f][from]!;
  return counts as unknown as OutcomeCounts;
}

/** The policy's lines for a metric: its demotion trigger and every promotion gate on it. */
export function thresholdLines(policy: GatePolicy, metric: MetricName): ThresholdLine[] {
  const lines: ThresholdLine[] = [];
  const trigger = policy.demotion.triggers[metric as TriggerMetric];
  if (trigger) {
    const { minSamples: _, ...threshold } = trigger;
    lines.push({ kind: 'demotion', value: comparisonOf(threshold).value, label: `demotes ${describeThreshold(metric, threshold)}` });
  }
  for (const t of TRANSITIONS) {
    const gate = policy.promotion[t][metric];
    if (gate) lines.push({ kind: 'promotion', value: comparisonOf(gate).value, label: `${t} needs ${describeThreshold(metric, gate)}` });
  }
  return lines;
}

function changeKind(from: Phase | null, to: Phase): PhaseChange['kind'] {
  if (from === null) return 'created';
  return to > from ? 'promote' : to < from ? 'demote' : 'restart';
}

/** The phase over time from the state file's history, its current phase and its hold. */
export function phaseTimeline(state: StateFile): PhaseTimeline {
  const changes: PhaseChange[] = (state.history ?? [])
    .map((h) => ({
      atMs: parseInstant(h.at), at: h.at, from: h.from, to: h.to, kind: changeKind(h.from, h.to),
      manual: h.kind === 'set-phase', by: h.by, reasons: h.reasons,
    }))
    .sort((a, b) => a.atMs - b.atMs);
  const steps = changes.filter((c) => c.kind !== 'restart').map((c) => ({ atMs: c.atMs, phase: c.to }));
  const last = steps[steps.length - 1];
  if (!last || last.phase !== state.phase) steps.push({ atMs: parseInstant(state.since), phase: state.phase }); // a state without (matching) history
  const hold = state.hold ? { sinceMs: parseInstant(state.hold.since), violationAt: state.hold.violationAt, reason: state.hold.reason } : null;
  return { steps, changes, hold };
}

/** Lays out the collected data for drawing. */
export function reportModel(data: ReportData): ReportModel {
  const { timeline, windowBuckets, policy } = data;
  const { buckets } = timeline;
  const sums = prefixSums(timeline.series, buckets);
  const windows = Array.from({ length: buckets }, (_, i) => windowCounts(sums, i, windowBuckets));
  const panels = CHARTED_METRICS.map((metric): MetricPanel => ({
    metric,
    label: METRICS[metric].label,
    points: windows.map((outcomes) => measure(metric, { outcomes, signoffs: [] })),
    thresholds: thresholdLines(policy, metric),
    minSamples: policy.demotion.triggers[metric]?.minSamples,
  }));
  const domains = timeline.domains
    .map((d): DomainRow => ({
      domain: d.domain,
      incidents: d.all.incidents,
      recent: d.recent.incidents,
      metrics: Object.fromEntries(CHARTED_METRICS.map((m) => [m, measure(m, { outcomes: d.all, signoffs: [] })])) as Record<ChartedMetric, Measurement>,
    }))
    .sort((a, b) => b.incidents - a.incidents || (a.domain < b.domain ? -1 : 1));
  return {
    startMs: timeline.endMs - buckets * DAY_MS,
    endMs: timeline.endMs,
    buckets,
    incidents: timeline.series.incidents,
    panels,
    phases: phaseTimeline(data.state),
    violations: timeline.violations,
    domains,
  };
}
