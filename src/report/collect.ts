/**
 * Reading the inputs of the trust report in one pass: every evidence line goes through the
 * gate's own `EvidenceAggregator` (which checks it and aggregates it for the decision) and then
 * into the report's `IncidentTimeline`. The decision is the gate's `decide`, so the report's gate
 * table is exactly what `trust-gate evaluate` prints for the same inputs.
 */
import {
  decide, eachLine, evidenceContext, parseInstant, DEFAULT_POLICY, EvidenceAggregator, ViolationLedger,
  type Decision, type GatePolicy, type Source,
} from '../gate';
import { backtest, type BacktestPolicy, type BacktestResult } from '../gate/backtest';
import { loadStore } from '../gate/store';
import type { StateFile } from '../state/schema';
import type { UsageReport } from '../usage/model';
import { DAY_MS, IncidentTimeline, type TimelineData } from './timeline';

/** Inputs of `collectReport`. */
export interface ReportInput {
  readonly state: StateFile;
  /** @default DEFAULT_POLICY */
  readonly policy?: GatePolicy;
  readonly now: Date;
  /** Evidence files (JSON lines), read in order, as `trust-gate evaluate` reads them. */
  readonly evidence: readonly Source[];
  /**
   * A backtest to chart, up to `now`: the policies (the first is the report's own, usually) and
   * the range. The evidence sources are read a second time for it, so they must be re-readable
   * (files and arrays are).
   * @default none
   */
  readonly backtest?: {
    readonly policies: readonly BacktestPolicy[];
    readonly fromMs?: number;
    readonly stepMs: number;
    readonly evidenceDigest?: string;
  };
  /**
   * Grant usage from the audit logs (`trust-gate usage --format json`), shown as usage over time.
   * @default none (no usage section)
   */
  readonly usage?: UsageReport;
}

/** Everything the report shows, before layout. */
export interface ReportData {
  readonly state: StateFile;
  readonly policy: GatePolicy;
  /** The evaluation time, ms. */
  readonly nowMs: number;
  /** The gate's decision for these inputs. */
  readonly decision: Decision;
  readonly timeline: TimelineData;
  /** Buckets in a rolling window: the policy's demotion window in whole days. */
  readonly windowBuckets: number;
  /** Names of the evidence sources, in order. */
  readonly sources: readonly string[];
  /** The backtest asked for, or null. */
  readonly backtest: BacktestResult | null;
  /** Grant usage, or null. */
  readonly usage: UsageReport | null;
}

/** Buckets needed so the charts start at `firstMs`. */
function bucketsSince(firstMs: number, nowMs: number): number {
  return firstMs < nowMs ? Math.ceil((nowMs - firstMs) / DAY_MS) : 1;
}

/**
 * Reads the evidence once and returns the decision and the timeline. Errors are the gate's:
 * GT_EVIDENCE_INVALID naming `FILE:LINE` on the first bad record, GT_INPUT for unreadable files.
 * @example
 * const data = await collectReport({ state: readState(file), now: new Date(), evidence: [fileSource('evidence.jsonl')] });
 * const html = await renderReport(data, digests);
 */
export async function collectReport(input: ReportInput): Promise<ReportData> {
  const { state, now } = input;
  const policy = input.policy ?? DEFAULT_POLICY;
  const context = evidenceContext(state, policy, now);
  const ledger = new ViolationLedger(new Set(state.violationsActed ?? []), context.nowMs);
  const timeline = new IncidentTimeline(state.agent, context.nowMs);
  // The aggregator checks each line (throwing FILE:LINE) and hands the parsed record on.
  const aggregator = new EvidenceAggregator(context, ledger, (record, atMs) => timeline.record(record, atMs));
  for (const source of input.evidence) {
    await eachLine(source, (line, n) => aggregator.line(line, source.name, n));
  }
  const decision = decide(state, { evidence: aggregator.result(), violations: ledger.summary(), audit: [] }, policy, now);
  const windowBuckets = Math.ceil(policy.demotion.windowDays);
  let firstMs = context.sinceMs;
  for (const h of state.history ?? []) firstMs = Math.min(firstMs, parseInstant(h.at)); // a loop: history can be long
  let replay: BacktestResult | null = null;
  if (input.backtest) {
    const { policies, fromMs, stepMs, evidenceDigest } = input.backtest;
    const store = await loadStore({ agent: state.agent, toMs: context.nowMs, evidence: input.evidence });
    replay = backtest(state, store, policies, { ...(fromMs !== undefined ? { fromMs } : {}), toMs: context.nowMs, stepMs, ...(evidenceDigest ? { digests: { evidence: evidenceDigest } } : {}) });
    firstMs = Math.min(firstMs, parseInstant(replay.from));
  }
  return {
    state,
    policy,
    nowMs: context.nowMs,
    decision,
    timeline: timeline.result(bucketsSince(firstMs, context.nowMs), windowBuckets),
    windowBuckets,
    sources: input.evidence.map((s) => s.name),
    backtest: replay,
    usage: input.usage ?? null,
  };
}
