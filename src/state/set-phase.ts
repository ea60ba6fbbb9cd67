import { TrustError } from '../errors';
import { isPhase, type Phase } from '../phase/table';
import type { StateFile } from './schema';

/** A manual phase change. */
export interface SetPhaseRequest {
  readonly phase: Phase;
  /** Who made the change (recorded in history). */
  readonly by: string;
  readonly reason: string;
  /** Time of the change, ISO-8601. */
  readonly at: string;
  /** Agent name; required when there is no state yet. */
  readonly agent?: string;
}

/**
 * Checks a manual change before anything is touched: a phase, who, why, and the agent when the
 * file is to be created (`exists` false).
 */
export function checkSetPhase(req: SetPhaseRequest, exists: boolean): void {
  if (!isPhase(req.phase)) throw new TrustError('GT_PHASE_INVALID', `phase ${String(req.phase)} is not a phase; use 1, 2, 3 or 4`, '--phase');
  if (!req.by.trim()) throw new TrustError('GT_USAGE', 'is empty; name who made the change', '--by');
  if (!req.reason.trim()) throw new TrustError('GT_USAGE', 'is empty; say why, e.g. "gate passed, PR #42"', '--reason');
  if (!exists && !req.agent) throw new TrustError('GT_USAGE', 'the state file does not exist; pass --agent NAME to create it', '--agent');
}

/**
 * The state after a manual override: the new phase, `since` = `at`, and a history entry.
 * Setting the phase it already has records the override but keeps `since`. A hold stays: a
 * person changes the phase, not the open investigation (an `investigation-closed` record lifts it).
 * Pure: the caller writes the result.
 */
export function setPhase(state: StateFile | undefined, req: SetPhaseRequest): StateFile {
  checkSetPhase(req, state !== undefined);
  if (state && req.agent && req.agent !== state.agent) {
    throw new TrustError('GT_USAGE', `"${req.agent}" does not match the file's agent "${state.agent}"; drop --agent or use the right file`, '--agent');
  }
  const from = state?.phase ?? null;
  const entry = { from, to: req.phase, at: req.at, by: req.by, reasons: [req.reason], kind: 'set-phase' as const };
  return {
    ...(state ?? {}),
    agent: state?.agent ?? req.agent!,
    phase: req.phase,
    since: from === req.phase && state ? state.since : req.at,
    history: [...(state?.history ?? []), entry],
  };
}
