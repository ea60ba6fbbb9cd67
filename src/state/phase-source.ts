import { TrustError } from '../errors';
import { isPhase, type Phase } from '../phase/table';
import { readState } from './file';

/** Where a construct's phase comes from: exactly one of an explicit phase and the committed state file. */
export interface PhaseSource {
  /**
   * The phase to synthesize. Give this or `stateFile`, not both.
   * @default read from `stateFile`
   */
  readonly phase?: Phase;
  /**
   * Path of the committed phase file (`{"agent": …, "phase": …, "since": …}`), resolved from the
   * working directory; its `agent` must equal the definition's name. Give this or `phase`, not both.
   * @default none; `phase` is used
   */
  readonly stateFile?: string;
  /**
   * When the agent entered `phase` (ISO-8601 with a zone): the epoch every phase-3 approval
   * names, so approvals given before the current phase entry admit nothing. Only with `phase`;
   * with `stateFile` it is the file's `since`.
   * @default `1970-01-01T00:00:00Z` (approvals then name that epoch; pass the real time in production)
   */
  readonly since?: string;
}

/** The phase a construct synthesizes and when the agent entered it. */
export interface PhaseEntry {
  readonly phase: Phase;
  /** ISO-8601; the state file's `since`, or the `since` prop. */
  readonly since: string;
}

/** The epoch assumed when `phase` is given without `since`. */
export const DEFAULT_SINCE = '1970-01-01T00:00:00Z';

/**
 * The phase from construct props: the explicit `phase`, or the one the state file records for
 * this agent, with when the agent entered it. Throws GT_PHASE_INVALID unless exactly one is
 * given, GT_STATE_INVALID when the file is another agent's.
 * @param where construct path named in errors
 */
export function phaseEntryFromSource(source: PhaseSource, agent: string, where?: string): PhaseEntry {
  const { phase, stateFile } = source;
  if ((phase === undefined) === (stateFile === undefined)) {
    throw new TrustError(
      'GT_PHASE_INVALID',
      `got ${phase === undefined ? 'neither phase nor stateFile' : 'both phase and stateFile'}; pass exactly one, e.g. stateFile: 'trust/${agent}.json' to use the committed phase`,
      where,
    );
  }
  if (stateFile !== undefined) {
    if (source.since !== undefined) throw new TrustError('GT_PHASE_INVALID', `since is given with stateFile, whose own "since" is the phase entry; drop since`, where);
    const state = readState(stateFile);
    if (state.agent !== agent) {
      throw new TrustError(
        'GT_STATE_INVALID',
        `state file ${stateFile} is for agent "${state.agent}", but definition.name is "${agent}"; point stateFile at ${agent}'s state file`,
        where,
      );
    }
    return { phase: state.phase, since: state.since };
  }
  if (!isPhase(phase)) {
    throw new TrustError('GT_PHASE_INVALID', `phase ${String(phase)} is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)`, where);
  }
  return { phase, since: source.since ?? DEFAULT_SINCE };
}

/** {@link phaseEntryFromSource} without the entry time. */
export function phaseFromSource(source: PhaseSource, agent: string, where?: string): Phase {
  return phaseEntryFromSource(source, agent, where).phase;
}
