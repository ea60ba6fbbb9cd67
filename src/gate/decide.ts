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
 *    time the gate acted on the violations it covers (so never in the evaluation that places it).
 * 4. Otherwise promote one phase when every criterion of the promotion passes (see
 *    criteria.ts); a hold on criteria that are only inconclusive says so.
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
import {
  demotionCriteria, describeJudged, describeThreshold, missingFor, promotionCriteria,
  type GateResult, type Shortfall,
} from './criteria';
import type { EvidenceAggregates, EvidenceContext, InvestigationClosed, PersonRecord, RecordCounts } from './evidence';
import { admits, identityKey } from './identity';
import { formatInstant, parseInstant } from './instant';
import { METRICS, type MetricName } from './metrics';
import { transitionFrom, type GatePolicy } from './policy';
import type { ViolationSummary } from './violations';

const DAY_MS = 86_400_000;

/** What the evaluator does with the committed phase. */
export type Action = 'promote' | 'demote' | 'hold';

/**
 * Why the phase stays, when it does: `failing` (a promotion criterion fails), `inconclusive`
 * (none fails, but some cannot tell yet: too few samples, an interval across the threshold, soak
 * time running), `investigation` (a hold after a scope violation), `violation` (a violation at
 * or below the floor restarted the phase), `cannot-drop` (a trigger fired at the lowest phase),
 * `top` (the highest phase).
 */
export type HoldKind = 'failing' | 'inconclusive' | 'investigation' | 'violation' | 'cannot-drop' | 'top';

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

/** Records by people the policy does not admit (`people`): they do not count. */
export interface Refused {
  readonly signoffs: readonly PersonRecord[];
  readonly closures: readonly InvestigationClosed[];
}

/** The decision and why. */
export interface Decision {
  readonly agent: string;
  /** The evaluation time, UTC. */
  readonly at: string;
  readonly from: Phase;
  readonly to: Phase;
  readonly action: Action;
  /** Why the phase stays; null when it changes. */
  readonly holdKind: HoldKind | null;
  readonly reasons: readonly string[];
  readonly gates: readonly GateResult[];
  /** What the current phase's promotion still needs; empty when promoting, demoting or at the top. */
  readonly missing: readonly Shortfall[];
  /** The hold after this decision, or null. */
  readonly hold: Hold | null;
  /** The investigation-closed record that lifted a hold in this evaluation, if one did. */
  readonly holdLiftedBy: InvestigationClosed | null;
  readonly violations: ViolationSummary;
  readonly refused: Refused;
  /** The revision promotion counted evidence of, when the state records one. */
  readonly revision: string | null;
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

/** The time of the newest downward phase change in history (by the gate, by hand or by a revision change), in ms. */
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

/**
 * What evidence aggregation needs from the state, policy and clock.
 * @param identities further identities of the agent (its audit-log usernames and roles): sign-offs and closures by them are refused
 */
export function evidenceContext(state: StateFile, policy: GatePolicy, now: Date, identities: readonly string[] = []): EvidenceContext {
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
    revision: state.revision?.id,
    identities: new Set(identities.map(identityKey)),
  };
}

/** The time a closure must be later than to lift `hold`: when the gate last acted on its violations. */
export function liftAfterMs(hold: Hold): number {
  if (hold.actedAt) return parseInstant(hold.actedAt);
  return Math.max(parseInstant(hold.since), parseInstant(hold.violationAt));
}

/** Whether two holds are the same (both written by this library, so in one key order). */
export function sameHold(a: Hold | null, b: Hold | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The hold after new violations (placed or extended, acted on now), before checking whether it is lifted. */
function holdAfter(existing: Hold | null, violations: ViolationSummary, nowIso: string): Hold | null {
  const newest = violations.new[violations.new.length - 1];
  if (!newest) return existing;
  const newestMs = parseInstant(newest.at);
  const previousMs = existing ? parseInstant(existing.violationAt) : -Infinity;
  return {
    ...(existing ?? {}),
    reason: newestMs >= previousMs || !existing ? `scope violation (${newest.source}): ${newest.detail}` : existing.reason,
    since: existing?.since ?? nowIso,
    violationAt: formatInstant(Math.max(newestMs, previousMs)),
    violations: (existing?.violations ?? 0) + violations.new.length,
    actedAt: nowIso,
  };
}

const LISTED_VIOLATIONS = 5;
const LISTED_REFUSED = 5;

function triggerReason(g: GateResult): string {
  return `${METRICS[g.metric as MetricName].label} over the recent window is ${describeJudged(g)}, not ${describeThreshold(g.metric, g.required)}: drop one phase`;
}

function newest(closures: readonly InvestigationClosed[]): InvestigationClosed | null {
  let best: InvestigationClosed | null = null;
  for (const c of closures) if (!best || parseInstant(c.at) > parseInstant(best.at)) best = c;
  return best;
}

function refusedReasons(refused: Refused): string[] {
  const out: string[] = [];
  const list = (records: readonly PersonRecord[], what: string, rule: string) => {
    if (records.length === 0) return;
    const shown = records.slice(0, LISTED_REFUSED).map((r) => `${r.by} [${r.where}]`).join(', ');
    const more = records.length > LISTED_REFUSED ? ` and ${records.length - LISTED_REFUSED} more` : '';
    out.push(`${what} by ${shown}${more} not counted: policy people.${rule} does not admit them`);
  };
  list(refused.signoffs, 'sign-offs', 'signoff');
  list(refused.closures, 'investigation closures', 'investigationClosed');
  return out;
}

/** Reasons of a hold on promotion criteria: what fails, or that the evidence cannot tell yet. */
function criteriaReasons(transition: string, failing: readonly GateResult[], unsure: readonly GateResult[]): string[] {
  const line = (g: GateResult, verb: string) => `${g.name}: ${describeJudged(g)} ${verb} ${describeThreshold(g.metric, g.required)}`;
  if (failing.length > 0) {
    return [`hold: failing: ${transition} has criteria the evidence fails`, ...failing.map((g) => line(g, 'is not')), ...unsure.map((g) => `${line(g, 'is not yet')} (inconclusive)`)];
  }
  return [`hold: inconclusive: nothing fails, but the evidence cannot tell yet whether ${transition} passes`, ...unsure.map((g) => `${line(g, 'is not yet')} (inconclusive)`)];
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
  const signers = evidence.signers.filter((s) => admits(policy.people.signoff, s.key));
  const closers = evidence.closures.filter((c) => admits(policy.people.investigationClosed, c.key));
  const refused: Refused = {
    signoffs: evidence.signers.filter((s) => !signers.includes(s)),
    closures: evidence.closures.filter((c) => !closers.includes(c)),
  };
  const signoffs = signers.map((s) => s.by);
  const demotion = demotionCriteria(policy, { outcomes: evidence.recentWindow, signoffs }, violations);
  const promotion = promotionCriteria(policy, from, { outcomes: evidence.phaseWindow, signoffs }, context.sinceMs, context.nowMs);
  const existingHold = state.hold ?? null;
  let hold = holdAfter(existingHold, violations, nowIso);
  const closed = newest(closers);
  const holdLiftedBy = hold && closed && parseInstant(closed.at) > liftAfterMs(hold) ? closed : null;
  const heldSince = hold ? liftAfterMs(hold) : undefined;
  if (holdLiftedBy) hold = null;

  const reasons: string[] = [];
  let to: Phase = from;
  let holdKind: HoldKind | null = null;
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
    if (to === from) holdKind = 'violation';
  } else if (fired.length > 0) {
    to = phaseBelow(from);
    reasons.push(...fired.map((g) => triggerReason(g)));
    if (to === from) {
      reasons.push(`${phaseLabel(from)} cannot drop further`);
      holdKind = 'cannot-drop';
    }
  } else if (hold) {
    reasons.push(`held since ${hold.since} after a scope violation at ${hold.violationAt} (${hold.reason}); promotion needs an investigation-closed record later than ${formatInstant(heldSince!)}, when the gate acted on it`);
    if (closed) reasons.push(`the newest investigation closure (${closed.at} by ${closed.by} [${closed.where}]) is not later than that, so it cannot have covered the violation`);
    holdKind = 'investigation';
  } else if (promotion.length === 0) {
    reasons.push(`${phaseLabel(from)} is the highest phase`);
    holdKind = 'top';
  } else {
    const transition = transitionFrom(from)!;
    const failing = promotion.filter((g) => g.verdict === 'fail');
    const unsure = promotion.filter((g) => g.verdict === 'inconclusive');
    if (failing.length === 0 && unsure.length === 0) {
      to = phaseAbove(from)!;
      reasons.push(`${transition} gates passed: ${promotion.map((g) => `${g.metric} ${describeJudged(g)} (needs ${describeThreshold(g.metric, g.required)})`).join('; ')}`);
    } else {
      reasons.push(...criteriaReasons(transition, failing, unsure));
      holdKind = failing.length > 0 ? 'failing' : 'inconclusive';
    }
  }
  const action: Action = to > from ? 'promote' : to < from ? 'demote' : 'hold';
  if (violations.new.length > 0) {
    reasons.push(hold
      ? `hold: no promotion until an investigation-closed record later than ${hold.actedAt}, when the gate acted on the violation`
      : `no hold: investigation closed at ${holdLiftedBy!.at} by ${holdLiftedBy!.by}, later than the violation`);
  } else if (holdLiftedBy) {
    reasons.push(`hold lifted: investigation closed at ${holdLiftedBy.at} by ${holdLiftedBy.by}${holdLiftedBy.note ? ` (${holdLiftedBy.note})` : ''}`);
  }
  reasons.push(...refusedReasons(refused));

  const missing = action === 'hold' && promotion.length > 0 ? missingFor(promotion, policy, context.sinceMs, context.nowMs) : [];
  if (action === 'hold' && hold && promotion.length > 0) {
    missing.unshift({ gate: 'hold', more: null, text: `an investigation-closed record later than ${formatInstant(liftAfterMs(hold))}` });
  }
  return {
    agent: state.agent,
    at: nowIso,
    from,
    to,
    action,
    holdKind: action === 'hold' ? holdKind : null,
    reasons,
    gates: [...demotion, ...promotion],
    missing,
    hold,
    holdLiftedBy,
    violations,
    refused,
    revision: state.revision?.id ?? null,
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
