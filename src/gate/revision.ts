/**
 * Agent revisions: which model, prompt and toolset produced the evidence.
 *
 * The state file records the current revision; evidence records carry the revision that
 * produced them (`revision`). Promotion counts only records of the current revision, and
 * records without one (as before revisions existed). A new revision is a committed, reviewed
 * event (`trust-gate set-revision`) whose effect on the phase the policy says
 * (`revisionChange`, by phase). The first revision ever recorded changes nothing but the record:
 * the evidence so far is taken as evidence of it.
 */
import { TrustError } from '../errors';
import { phaseLabel, type Phase } from '../phase/table';
import type { HistoryEntry, StateFile } from '../state/schema';
import { policyDigest, type GatePolicy, type RevisionAction } from './policy';

/** The three digests a revision may be made of. */
export interface RevisionParts {
  readonly model: string;
  readonly prompt: string;
  readonly toolset: string;
}

/** The revision string of three digests, as evidence carries it: `model=<m>;prompt=<p>;toolset=<t>`. */
export function revisionId(parts: RevisionParts): string {
  return `model=${parts.model};prompt=${parts.prompt};toolset=${parts.toolset}`;
}

/** A new revision, as `set-revision` records it. */
export interface RevisionChange {
  /** The revision string; with `parts`, `revisionId(parts)`. */
  readonly id: string;
  readonly parts?: RevisionParts;
  readonly by: string;
  readonly reason: string;
  /** ISO-8601 time of the change. */
  readonly at: string;
}

/** What a revision change does to the phase, in words. */
function describe(action: RevisionAction, from: Phase, to: Phase): string {
  if (action === 'keep') return `${phaseLabel(from)} stays; from now on only evidence of the new revision counts toward promotion`;
  if (to < from) return `drop to ${phaseLabel(to)} until the new revision earns the phases above again`;
  return `${phaseLabel(from)} restarts: its window and soak time start again, with evidence of the new revision only`;
}

/** The phase a revision change leads to under `action`. */
export function phaseAfterRevision(action: RevisionAction, phase: Phase): Phase {
  return typeof action === 'object' && action.dropTo < phase ? action.dropTo : phase;
}

/**
 * The state after a new revision under `policy`, or undefined when `change.id` is already the
 * current revision. Records `revision` and a history entry (kind `set-revision`); the phase
 * follows `policy.revisionChange[phase]`; a hold stays. Pure.
 */
export function changeRevision(state: StateFile, change: RevisionChange, policy: GatePolicy): StateFile | undefined {
  if (!change.id) throw new TrustError('GT_USAGE', 'the revision is empty; pass --revision ID or --model, --prompt and --toolset digests', '--revision');
  if (!change.by.trim()) throw new TrustError('GT_USAGE', 'is empty; name who made the change', '--by');
  if (!change.reason.trim()) throw new TrustError('GT_USAGE', 'is empty; say what changed, e.g. "prompt v7: tighter rollback rules"', '--reason');
  const previous = state.revision;
  if (previous?.id === change.id) return undefined;
  const from = state.phase;
  const action = previous ? policy.revisionChange[from] : 'keep';
  const to = phaseAfterRevision(action, from);
  const effect = previous
    ? `revision ${previous.id} -> ${change.id}: ${describe(action, from, to)}`
    : `first recorded revision ${change.id}: the evidence so far is taken as evidence of it`;
  const entry: HistoryEntry = {
    from, to, at: change.at, by: change.by, reasons: [change.reason, effect], kind: 'set-revision', revision: change.id, revisionAction: action,
    policyDigest: policyDigest(policy),
  };
  return {
    ...state,
    phase: to,
    since: action === 'keep' ? state.since : change.at,
    revision: { id: change.id, ...(change.parts ?? {}), since: change.at },
    history: [...(state.history ?? []), entry],
  };
}
