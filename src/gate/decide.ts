/**
 * The decision: a pure function of (state, aggregates, policy, now).
 *
 * Order, as the graduated-trust model says:
 * 1. Scope violations not acted on before: demote straight to the policy's floor (phase 1 by
 *    default) and place a hold. This is the only move of more than one phase. When a trigger
 *    (2.) fires too, the lower of the two targets wins (phase 2 at a floor of 2 still drops to 1).
 *    An agent already at or below the floor restarts its phase (`since` = now, a history entry
 *    from and to the same phase): evidence gathered before the violation never promotes it.
 * 2. Otherwise a demotion trigger over the recent window (accuracy below 92% with ≥ 20 samples,
 *    rollback rate above 2% with ≥ 20 remediations): drop one phase. Several triggers still drop
 *    one phase. Phase 1 cannot drop (action `hold`).
 * 3. Otherwise a hold blocks promotion until an `investigation-closed` record later than the
 *    violation it covers; such a record lifts it (even in the evaluation that places it).
 * 4. Otherwise promote one phase when every gate of the promotion passes.
 * Demotion is evaluated first and never waits on gates.
 *
 * The recent window is the trailing `windowDays` ending at `now`, but starts strictly after the
 * last demotion recorded in history: the evidence that caused a demotion has been acted on, so
 * re-evaluating the same evidence after writing the decision changes nothing.
 */
import { TrustError } from '../errors';
import { phaseAbove, phaseBelow, phaseLabel, type Phase } from '../phase/table';
import type { Hold, StateFile } from '../state/schema';
import type { AuditReadCounts } from './audit/read';
import type { EvidenceAggregates, EvidenceContext, InvestigationClosed, RecordCounts } from './evidence';
import { formatInstant, parseInstant } from './instant';
import { measure, METRICS, METRIC_NAMES, type MetricInput, type MetricName } from './metrics';
import { comparisonOf, meets, negate, transitionFrom, type GatePolicy, type Threshold, type TriggerMetric } from './policy';
import type { ViolationSummary } from './violations';

const DAY_MS = 86_400_000;

/** What the evaluator does with the committed phase. */
export type Action = 'promote' | 'demote' | 'hold';

/** One criterion, observed against what it requires. */
export interface GateResult {
  /** `2->3 agreement`, `demotion accuracy (30 days)`, `scope violations`. */
  readonly name: string;
  /** `promotion` gates must all pass to promote; a failing `demotion` gate demotes. */
  readonly kind: 'promotion' | 'demotion';
  readonly metric: MetricName | 'scopeViolations';
  /** The value: a count, a share (0..1), or null for a share without samples. */
  readonly observed: number | null;
  /** The condition that passes, e.g. `{ "above": 0.95 }`. For a demotion trigger, the healthy side. */
  readonly required: Threshold;
  /** Samples behind the value (the count itself for counts). */
  readonly samples: number;
  /** Numerator of a share; the count for counts. */
  readonly hits: number;
  /** A demotion trigger only fires with at least this many samples. */
  readonly minSamples?: number;
  readonly pass: boolean;
}

/** What a promotion gate still needs, as data a report can reuse. */
export interface Shortfall {
  readonly gate: string;
  /** How many more samples would pass it (all of them good); null when more samples cannot. */
  readonly more: number | null;
  /** `38 more incidents with operatorAgreed`. */
  readonly text: string;
}

/** Record counts, the audit logs read, and the windows used. */
export interface DecisionCounts extends RecordCounts {
  /** Per audit log: what was read. */
  readonly audit: readonly AuditSummary[];
}

/** What one audit log contributed. */
export interface AuditSummary extends AuditReadCounts {
  readonly name: string;
  readonly kind: AuditKind;
}

/** The kinds of audit log read as evidence of acting outside scope. */
export type AuditKind = 'k8s-audit' | 'cloudtrail' | 'vault-audit';

/** Everything aggregated from the inputs. */
export interface Aggregates {
  readonly evidence: EvidenceAggregates;
  readonly violations: ViolationSummary;
  readonly audit: readonly AuditSummary[];
}

/** The decision and why. */
export interface Decision {
  readonly agent: string;
  /** The evaluation time, UTC. */
  readonly at: string;
  readonly from: Phase;
  readonly to: Phase;
  readonly action: Action;
  readonly reasons: readonly string[];
  readonly gates: readonly GateResult[];
  /** What the current phase's promotion still needs; empty when promoting, demoting or at the top. */
  readonly missing: readonly Shortfall[];
  /** The hold after this decision, or null. */
  readonly hold: Hold | null;
  /** The investigation-closed record that lifted a hold in this evaluation, if one did. */
  readonly holdLiftedBy: InvestigationClosed | null;
  readonly violations: ViolationSummary;
  readonly counts: DecisionCounts;
  readonly windows: {
    /** Incidents of the current phase count from `since` (inclusive) to `now`. */
    readonly phase: { readonly from: string; readonly to: string };
    /** Demotion triggers look at incidents in this window; `from` is exclusive when it is the last demotion. */
    readonly recent: { readonly from: string; readonly to: string; readonly afterDemotion: boolean };
  };
  /** Whether `--write` changes the state file (a phase change, new violations, or a changed hold). */
  readonly changesState: boolean;
}

/** The time of the newest downward phase change in history (by the gate or by hand), in ms. */
export function lastDemotionMs(state: StateFile): number | undefined {
  let last: number | undefined;
  for (const h of state.history ?? []) {
    if (h.from !== null && h.to < h.from) {
      const ms = parseInstant(h.at);
      if (last === undefined || ms > last) last = ms;
    }
  }
  return last;
}

/** What evidence aggregation needs from the state, policy and clock. */
export function evidenceContext(state: StateFile, policy: GatePolicy, now: Date): EvidenceContext {
  const nowMs = now.getTime();
  const sinceMs = parseInstant(state.since);
  if (Number.isNaN(sinceMs)) throw new TrustError('GT_STATE_INVALID', `field "since" is "${state.since}": must be an ISO-8601 time with a zone`);
  return {
    agent: state.agent,
    phase: state.phase,
    sinceMs,
    nowMs,
    recentFromMs: nowMs - policy.demotion.windowDays * DAY_MS,
    recentAfterMs: lastDemotionMs(state) ?? -Infinity,
    nextTransition: transitionFrom(state.phase),
  };
}

/** `95.2%`, `100%`. */
export function percent(share: number): string {
  return `${Number((share * 100).toFixed(2))}%`;
}

const SYMBOLS = { atLeast: '≥', above: '>', atMost: '≤', below: '<' } as const;

/** `> 95%` for a share metric, `≥ 100` for a count. */
export function describeThreshold(metric: MetricName | 'scopeViolations', threshold: Threshold): string {
  const { op, value } = comparisonOf(threshold);
  const isShare = metric !== 'scopeViolations' && METRICS[metric].kind === 'ratio';
  return `${SYMBOLS[op]} ${isShare ? percent(value) : value}`;
}

/** `95.2% (199/209)`, `212`, or `no samples`. */
export function describeObserved(gate: Pick<GateResult, 'metric' | 'observed' | 'hits' | 'samples'>): string {
  if (gate.observed === null) return 'no samples';
  if (gate.metric === 'scopeViolations' || METRICS[gate.metric].kind === 'count') return String(gate.observed);
  return `${percent(gate.observed)} (${gate.hits}/${gate.samples})`;
}

function orderedEntries<T>(byMetric: Readonly<Partial<Record<MetricName, T>>>): [MetricName, T][] {
  return METRIC_NAMES.filter((m) => byMetric[m] !== undefined).map((m) => [m, byMetric[m]!]);
}

function promotionGates(policy: GatePolicy, from: Phase, input: MetricInput): GateResult[] {
  const transition = transitionFrom(from);
  if (transition === undefined) return [];
  return orderedEntries(policy.promotion[transition]).map(([metric, required]) => {
    const m = measure(metric, input);
    return { name: `${transition} ${metric}`, kind: 'promotion', metric, required, ...m, pass: meets(m.observed, required) };
  });
}

function demotionGates(policy: GatePolicy, input: MetricInput, violations: ViolationSummary): GateResult[] {
  const { windowDays, triggers } = policy.demotion;
  const fresh = violations.new.length;
  const gates: GateResult[] = [{
    name: 'scope violations', kind: 'demotion', metric: 'scopeViolations', observed: fresh,
    required: { atMost: 0 }, samples: violations.seen, hits: fresh, pass: fresh === 0,
  }];
  for (const [metric, trigger] of orderedEntries<(typeof triggers)[TriggerMetric]>(triggers)) {
    const { minSamples, ...threshold } = trigger!;
    const m = measure(metric, input);
    const fires = m.samples >= minSamples && meets(m.observed, threshold as Threshold);
    gates.push({
      name: `demotion ${metric} (${windowDays} days)`, kind: 'demotion', metric, required: negate(threshold as Threshold),
      ...m, minSamples, pass: !fires,
    });
  }
  return gates;
}

/** The smallest number of further good samples that make the share gate pass, or null if none do. */
function moreSamples(gate: GateResult): number | null {
  const { op, value } = comparisonOf(gate.required);
  const wantsHigh = op === 'above' || op === 'atLeast';
  const share = (k: number) => (wantsHigh ? (gate.hits + k) / (gate.samples + k) : gate.hits / (gate.samples + k));
  const estimate = wantsHigh
    ? (value >= 1 ? 0 : Math.floor((value * gate.samples - gate.hits) / (1 - value)) + 1)
    : (value <= 0 ? 0 : Math.floor(gate.hits / value - gate.samples) + 1);
  let k = Math.max(1, estimate);
  while (k > 1 && meets(share(k - 1), gate.required)) k--;
  for (let tries = 0; tries < 4; tries++, k++) if (meets(share(k), gate.required)) return k;
  return null;
}

function shortfall(gate: GateResult): Shortfall {
  const def = METRICS[gate.metric as MetricName];
  const { op, value } = comparisonOf(gate.required);
  const needs = describeThreshold(gate.metric, gate.required);
  if (def.kind === 'count') {
    if (op === 'atLeast' || op === 'above') {
      const more = (op === 'above' ? Math.floor(value) + 1 : Math.ceil(value)) - gate.hits;
      return { gate: gate.name, more, text: `${more} more ${def.unit[more === 1 ? 0 : 1]}` };
    }
    return {
      gate: gate.name, more: null,
      text: `${gate.hits} ${def.unit[gate.hits === 1 ? 0 : 1]} since entering the phase (must be ${needs}); more incidents cannot fix this, only re-entering the phase restarts the count`,
    };
  }
  const more = moreSamples(gate);
  const now = gate.observed === null ? 'no samples yet' : `now ${describeObserved(gate)}`;
  const noun = (op === 'above' || op === 'atLeast') ? def.hit : def.miss;
  return more === null
    ? { gate: gate.name, more, text: `${def.label} must be ${needs} (${now}); more samples cannot get there` }
    : { gate: gate.name, more, text: `${more} more ${noun[more === 1 ? 0 : 1]} in a row (${def.label} ${now}, needs ${needs})` };
}

/** What the failing promotion gates still need. */
export function missingForNextPhase(gates: readonly GateResult[]): Shortfall[] {
  return gates.filter((g) => g.kind === 'promotion' && !g.pass).map(shortfall);
}

function sameHold(a: Hold | null, b: Hold | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The hold after new violations (placed or extended), before checking whether it is lifted. */
function holdAfter(existing: Hold | null, violations: ViolationSummary, nowIso: string): Hold | null {
  const newest = violations.new[violations.new.length - 1];
  if (!newest) return existing;
  const newestMs = parseInstant(newest.at);
  const previousMs = existing ? parseInstant(existing.violationAt) : -Infinity;
  const hold: Hold = {
    ...(existing ?? {}),
    reason: newestMs >= previousMs || !existing ? `scope violation (${newest.source}): ${newest.detail}` : existing.reason,
    since: existing?.since ?? nowIso,
    violationAt: formatInstant(Math.max(newestMs, previousMs)),
    violations: (existing?.violations ?? 0) + violations.new.length,
  };
  return hold;
}

const LISTED_VIOLATIONS = 5;

function triggerReason(g: GateResult): string {
  return `${METRICS[g.metric as MetricName].label} over the recent window is ${describeObserved(g)}, not ${describeThreshold(g.metric, g.required)}: drop one phase`;
}

/**
 * Decides promote, demote or hold. Pure: the same inputs always give the same decision.
 * @example
 * const decision = decide(state, await aggregate({ state, policy, now, evidence }), DEFAULT_POLICY, now);
 */
export function decide(state: StateFile, aggregates: Aggregates, policy: GatePolicy, now: Date): Decision {
  const context = evidenceContext(state, policy, now);
  const nowIso = formatInstant(context.nowMs);
  const { evidence, violations } = aggregates;
  const from = state.phase;
  const signoffs = evidence.signoffs;
  const demotion = demotionGates(policy, { outcomes: evidence.recentWindow, signoffs }, violations);
  const promotion = promotionGates(policy, from, { outcomes: evidence.phaseWindow, signoffs });
  const existingHold = state.hold ?? null;
  let hold = holdAfter(existingHold, violations, nowIso);
  const closed = evidence.lastInvestigationClosed;
  const holdLiftedBy = hold && closed && parseInstant(closed.at) > parseInstant(hold.violationAt) ? closed : null;
  if (holdLiftedBy) hold = null;

  const reasons: string[] = [];
  let to: Phase = from;
  const fired = demotion.filter((g) => g.metric !== 'scopeViolations' && !g.pass);
  if (violations.new.length > 0) {
    const floor = policy.demotion.violationFloor;
    to = Math.min(from, floor, fired.length > 0 ? phaseBelow(from) : from) as Phase; // the lowest demotion that applies
    for (const v of violations.new.slice(-LISTED_VIOLATIONS)) reasons.push(`scope violation at ${v.at} (${v.source}): ${v.detail} [${v.where}]`);
    if (violations.new.length > LISTED_VIOLATIONS) reasons.push(`... and ${violations.new.length - LISTED_VIOLATIONS} earlier scope violations`);
    const count = `${violations.new.length} scope violation${violations.new.length === 1 ? '' : 's'} not acted on before`;
    reasons.push(from > floor
      ? `${count}: demote to ${phaseLabel(floor)} at once`
      : `${count}; ${phaseLabel(from)} is already at or below the floor ${phaseLabel(floor)}, so it restarts: only evidence from now on counts toward promotion`);
    if (to < Math.min(from, floor)) reasons.push(...fired.map((g) => triggerReason(g)));
  } else if (fired.length > 0) {
    to = phaseBelow(from);
    reasons.push(...fired.map((g) => triggerReason(g)));
    if (to === from) reasons.push(`${phaseLabel(from)} cannot drop further`);
  } else if (hold) {
    reasons.push(`held since ${hold.since} after a scope violation at ${hold.violationAt} (${hold.reason}); promotion needs an investigation-closed record later than ${hold.violationAt}`);
  } else if (promotion.length === 0) {
    reasons.push(`${phaseLabel(from)} is the highest phase`);
  } else {
    const failing = promotion.filter((g) => !g.pass);
    const transition = transitionFrom(from)!;
    if (failing.length === 0) {
      to = phaseAbove(from)!;
      reasons.push(`${transition} gates passed: ${promotion.map((g) => `${g.metric} ${describeObserved(g)} (needs ${describeThreshold(g.metric, g.required)})`).join('; ')}`);
    } else {
      for (const g of failing) reasons.push(`${transition} ${g.metric}: ${describeObserved(g)} is not ${describeThreshold(g.metric, g.required)}`);
    }
  }
  const action: Action = to > from ? 'promote' : to < from ? 'demote' : 'hold';
  if (violations.new.length > 0) {
    reasons.push(hold
      ? `hold: no promotion until an investigation-closed record later than ${hold.violationAt}`
      : `no hold: investigation closed at ${holdLiftedBy!.at} by ${holdLiftedBy!.by}, later than the violation`);
  } else if (holdLiftedBy) {
    reasons.push(`hold lifted: investigation closed at ${holdLiftedBy.at} by ${holdLiftedBy.by}${holdLiftedBy.note ? ` (${holdLiftedBy.note})` : ''}`);
  }

  const missing = action === 'hold' && promotion.length > 0 ? missingForNextPhase(promotion) : [];
  if (action === 'hold' && hold && promotion.length > 0) {
    missing.unshift({ gate: 'hold', more: null, text: `an investigation-closed record later than ${hold.violationAt}` });
  }
  return {
    agent: state.agent,
    at: nowIso,
    from,
    to,
    action,
    reasons,
    gates: [...demotion, ...promotion],
    missing,
    hold,
    holdLiftedBy,
    violations,
    counts: { ...evidence.counts, audit: aggregates.audit },
    windows: {
      phase: { from: formatInstant(context.sinceMs), to: nowIso },
      recent: {
        from: formatInstant(Math.max(context.recentFromMs, context.recentAfterMs)),
        to: nowIso,
        afterDemotion: context.recentAfterMs >= context.recentFromMs,
      },
    },
    changesState: to !== from || violations.new.length > 0 || !sameHold(existingHold, hold),
  };
}
