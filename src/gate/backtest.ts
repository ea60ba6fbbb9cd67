/**
 * Backtest: replay past evidence step by step (a day by default) under one or more policies and
 * see when each would have promoted, held (and why) or demoted, before committing a policy
 * change. Kayenta's retrospective mode, for the trust gate.
 *
 * - The evidence is read once into an `EvidenceStore`; each step asks it for the aggregates an
 *   evaluation at that time would have computed, so a year of daily steps costs one pass over
 *   the evidence plus a scan of the windows per step.
 * - The replay starts from the state as it was at `from`, rebuilt from the state file's history
 *   (phase, since, revision, earlier history); violations up to `from` count as acted on (what
 *   they did is in that history), and there is no hold (history does not record holds).
 * - Each step evaluates and commits like `evaluate --write` (the state moves on), with the gate
 *   deciding under the policy being tested. Changes made by people after `from` are replayed at
 *   their time: `set-phase` as recorded, `set-revision` with the tested policy's
 *   `revisionChange`. The gate's own recorded decisions are not: the replay makes its own.
 */
import { TrustError } from '../errors';
import type { Phase } from '../phase/table';
import type { HistoryEntry, StateFile } from '../state/schema';
import { nextState, type Digests } from './apply';
import { decide, evidenceContext, type Action, type Decision, type HoldKind } from './decide';
import { formatInstant, parseInstant } from './instant';
import { policyDigest, type GatePolicy } from './policy';
import { changeRevision } from './revision';
import type { EvidenceStore } from './store';

/** A policy under test, with the name reports show. */
export interface BacktestPolicy {
  readonly name: string;
  readonly policy: GatePolicy;
}

/** The replay's time range and step. */
export interface BacktestOptions {
  /** @default the first entry of the state's history (its `since` without history) */
  readonly fromMs?: number;
  readonly toMs: number;
  readonly stepMs: number;
  /** The evidence digest recorded in replayed history entries. @default the string `backtest` */
  readonly digests?: Pick<Digests, 'evidence'>;
}

/** One step's decision. */
export interface BacktestStep {
  readonly at: string;
  readonly action: Action;
  readonly holdKind: HoldKind | null;
  readonly from: Phase;
  readonly to: Phase;
  /** The criteria behind it: those a promotion still lacks, or those that demoted. */
  readonly criteria: readonly string[];
  readonly reasons: readonly string[];
}

/** One policy's replay. */
export interface BacktestRun {
  readonly name: string;
  readonly policyDigest: string;
  readonly steps: readonly BacktestStep[];
  /** The steps that promoted or demoted. */
  readonly changes: readonly BacktestStep[];
  /** The state at the end. */
  readonly final: { readonly phase: Phase; readonly since: string; readonly held: boolean };
}

/** A recorded phase change within the replayed range, for comparison. */
export interface RecordedChange {
  readonly at: string;
  readonly from: Phase | null;
  readonly to: Phase;
  readonly kind: HistoryEntry['kind'];
  readonly by: string;
}

/** What a backtest found. */
export interface BacktestResult {
  readonly agent: string;
  readonly from: string;
  readonly to: string;
  readonly stepMs: number;
  readonly evaluations: number;
  /** The state the replay started from. */
  readonly start: { readonly phase: Phase; readonly since: string; readonly revision: string | null };
  /** What the state file's history records in the range (all kinds). */
  readonly recorded: readonly RecordedChange[];
  readonly runs: readonly BacktestRun[];
}

/** The most steps one backtest takes. */
export const MAX_STEPS = 100_000;

/** Whether an entry reset `since` (a new phase start). */
function startsPhase(h: HistoryEntry): boolean {
  if (h.kind === 'evaluate') return true;
  if (h.kind === 'set-revision') return h.revisionAction !== undefined && h.revisionAction !== 'keep';
  return h.from !== h.to;
}

function chronological(history: readonly HistoryEntry[]): HistoryEntry[] {
  return history.map((h, i) => ({ h, i, ms: parseInstant(h.at) })).sort((a, b) => a.ms - b.ms || a.i - b.i).map((x) => x.h);
}

/** The state as it was at `ms`, rebuilt from `state`'s history (see the module comment). */
export function stateAt(state: StateFile, ms: number, actedUntil: readonly string[]): StateFile {
  const before = chronological(state.history ?? []).filter((h) => parseInstant(h.at) <= ms);
  const last = before[before.length - 1];
  if (!last) {
    const { hold: _, violationsActed: __, violationsActedUntil: ___, history: ____, ...rest } = state;
    return { ...rest, violationsActed: [...actedUntil] };
  }
  let since = last.at;
  for (let i = before.length - 1; i >= 0; i--) {
    if (startsPhase(before[i]!)) {
      since = before[i]!.at;
      break;
    }
  }
  const revised = [...before].reverse().find((h) => h.kind === 'set-revision' && h.revision);
  return {
    agent: state.agent,
    phase: last.to,
    since,
    history: before,
    ...(revised ? { revision: { id: revised.revision!, since: revised.at } } : {}),
    violationsActed: [...actedUntil],
  };
}

/** A change made by a person, replayed at its time under the tested policy. */
function replay(state: StateFile, h: HistoryEntry, policy: GatePolicy): StateFile {
  if (h.kind === 'set-revision') {
    if (!h.revision) return state;
    return changeRevision(state, { id: h.revision, by: h.by, reason: h.reasons[0] || 'a recorded revision change', at: h.at }, policy) ?? state;
  }
  return { ...state, phase: h.to, since: h.from === h.to ? state.since : h.at, history: [...(state.history ?? []), h] };
}

function stepOf(d: Decision): BacktestStep {
  const criteria = d.action === 'demote'
    ? d.gates.filter((g) => g.kind === 'demotion' && g.verdict === 'fail').map((g) => g.name)
    : d.action === 'hold' && d.holdKind === 'investigation' ? ['hold'] : d.gates.filter((g) => g.kind === 'promotion' && !g.pass).map((g) => g.name);
  return { at: d.at, action: d.action, holdKind: d.holdKind, from: d.from, to: d.to, criteria: d.action === 'promote' ? [] : criteria, reasons: d.reasons };
}

/** The step times: every `stepMs` after `fromMs`, and `toMs` itself. */
function stepTimes(fromMs: number, toMs: number, stepMs: number): number[] {
  if (!(stepMs > 0)) throw new TrustError('GT_USAGE', `the step is ${stepMs} ms; it must be more than 0, e.g. 1d`, '--step');
  if (!(toMs > fromMs)) throw new TrustError('GT_USAGE', `--to ${formatInstant(toMs)} is not after --from ${formatInstant(fromMs)}; give a later --to or an earlier --from`);
  const count = Math.ceil((toMs - fromMs) / stepMs);
  if (count > MAX_STEPS) throw new TrustError('GT_USAGE', `${count} steps from ${formatInstant(fromMs)} to ${formatInstant(toMs)}; at most ${MAX_STEPS}: use a longer --step`, '--step');
  const times: number[] = [];
  for (let k = 1; k < count; k++) times.push(fromMs + k * stepMs);
  times.push(toMs);
  return times;
}

/**
 * Replays `store`'s evidence over [from, to] under each policy. Pure over its inputs; the store
 * is read forward once (its `aggregatesAt` moves on with each step).
 * @example
 * const store = new EvidenceStore({ agent: state.agent, nowMs: to, identities: new Set() });
 * for (const f of files) await eachLine(fileSource(f), (l, n) => store.line(l, f, n));
 * store.seal();
 * const result = backtest(state, store, [{ name: 'default', policy: DEFAULT_POLICY }], { toMs: to, stepMs: 86_400_000 });
 */
export function backtest(state: StateFile, store: EvidenceStore, policies: readonly BacktestPolicy[], options: BacktestOptions): BacktestResult {
  const history = chronological(state.history ?? []);
  const fromMs = options.fromMs ?? (history[0] ? parseInstant(history[0].at) : parseInstant(state.since));
  const times = stepTimes(fromMs, options.toMs, options.stepMs);
  const start = stateAt(state, fromMs, store.violationsUntil(fromMs));
  const manual = history.filter((h) => h.kind !== 'evaluate' && parseInstant(h.at) > fromMs && parseInstant(h.at) <= options.toMs);
  const digests = (p: GatePolicy): Digests => ({ evidence: options.digests?.evidence ?? 'backtest', policy: policyDigest(p) });
  const runs = policies.map((p) => ({ ...p, state: start, next: 0, steps: [] as BacktestStep[], digests: digests(p.policy) }));
  for (const t of times) {
    const now = new Date(t);
    for (const run of runs) {
      while (run.next < manual.length && parseInstant(manual[run.next]!.at) <= t) run.state = replay(run.state, manual[run.next++]!, run.policy);
      const context = evidenceContext(run.state, run.policy, now);
      const decision = decide(run.state, { evidence: store.aggregatesAt(context), violations: store.violationsAt(run.state, t), audit: [] }, run.policy, now);
      run.steps.push(stepOf(decision));
      run.state = nextState(run.state, decision, run.digests) ?? run.state;
    }
  }
  return {
    agent: state.agent,
    from: formatInstant(fromMs),
    to: formatInstant(options.toMs),
    stepMs: options.stepMs,
    evaluations: times.length,
    start: { phase: start.phase, since: start.since, revision: start.revision?.id ?? null },
    recorded: history.filter((h) => parseInstant(h.at) > fromMs && parseInstant(h.at) <= options.toMs)
      .map((h) => ({ at: h.at, from: h.from, to: h.to, kind: h.kind, by: h.by })),
    runs: runs.map((r) => ({
      name: r.name,
      policyDigest: r.digests.policy,
      steps: r.steps,
      changes: r.steps.filter((s) => s.action !== 'hold'),
      final: { phase: r.state.phase, since: r.state.since, held: Boolean(r.state.hold) },
    })),
  };
}

/** Consecutive steps with the same outcome, for reading a replay. */
export interface BacktestPeriod {
  readonly from: string;
  readonly to: string;
  readonly steps: number;
  readonly action: Action;
  readonly holdKind: HoldKind | null;
  readonly phase: Phase;
  readonly toPhase: Phase;
  readonly criteria: readonly string[];
}

/** A run's steps merged into periods: a change is its own period; holds for the same reasons merge. */
export function periods(run: Pick<BacktestRun, 'steps'>): BacktestPeriod[] {
  const out: BacktestPeriod[] = [];
  for (const s of run.steps) {
    const last = out[out.length - 1];
    if (last && s.action === 'hold' && last.action === 'hold' && last.holdKind === s.holdKind && last.phase === s.from && last.criteria.join('\n') === s.criteria.join('\n')) {
      out[out.length - 1] = { ...last, to: s.at, steps: last.steps + 1 };
    } else {
      out.push({ from: s.at, to: s.at, steps: 1, action: s.action, holdKind: s.holdKind, phase: s.from, toPhase: s.to, criteria: s.criteria });
    }
  }
  return out;
}
