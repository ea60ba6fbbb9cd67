/**
 * The state file after a decision: what `trust-gate evaluate --write` commits.
 */
import type { HistoryEntry, StateFile } from '../state/schema';
import { sameHold, type Decision } from './decide';
import { formatInstant, parseInstant } from './instant';

/** Who the gate writes into history. */
export const EVALUATOR = 'trust-gate evaluate';

/** Digests recorded with a decision. */
export interface Digests {
  /** `sha256:<hex>` over the input files' bytes, evidence first, then audit logs, each in argument order. */
  readonly evidence: string;
  /** `sha256:<hex>` of the policy's canonical JSON (`policyDigest`). */
  readonly policy: string;
}

/**
 * The state after `decision`, or undefined when it changes nothing (then `--write` writes
 * nothing). A phase change, or acting on new scope violations (which restarts the phase even
 * when the agent is already at the floor), sets `since` and appends a history entry (from, to,
 * at, reasons, digests, kind `evaluate`); new violations are added to `violationsActed`; the
 * hold is replaced by the decision's. Fields this library does not know are kept. Pure.
 */
export function nextState(state: StateFile, decision: Decision, digests: Digests): StateFile | undefined {
  if (!decision.changesState) return undefined;
  const next: StateFile = { ...state };
  const fresh = decision.violations.new;
  if (decision.to !== decision.from || fresh.length > 0) { // acting on a violation restarts the phase even at the floor
    const entry: HistoryEntry = {
      from: decision.from, to: decision.to, at: decision.at, by: EVALUATOR, reasons: [...decision.reasons], kind: 'evaluate',
      evidenceDigest: digests.evidence, policyDigest: digests.policy,
    };
    next.phase = decision.to;
    next.since = decision.at;
    next.history = [...(state.history ?? []), entry];
  }
  if (fresh.length > 0) {
    const acted = new Set(state.violationsActed ?? []);
    let newestMs = state.violationsActedUntil ? parseInstant(state.violationsActedUntil) : -Infinity;
    for (const v of fresh) { // a loop, not Math.max(...fresh): an agent retrying a forbidden call makes hundreds of thousands
      acted.add(v.digest);
      const ms = parseInstant(v.at);
      if (ms > newestMs) newestMs = ms;
    }
    next.violationsActed = [...acted].sort();
    next.violationsActedUntil = formatInstant(newestMs);
  }
  const holdChanged = !sameHold(state.hold ?? null, decision.hold);
  if (holdChanged) next.hold = decision.hold && fresh.length > 0 ? { ...decision.hold, evidenceDigest: digests.evidence } : decision.hold;
  return next;
}
