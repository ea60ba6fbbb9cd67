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
}

/**
 * The phase from construct props: the explicit `phase`, or the one the state file records for
 * this agent. Throws GT_PHASE_INVALID unless exactly one is given, GT_STATE_INVALID when the
 * file is another agent's.
 * @param where construct path named in errors
 */
export function phaseFromSource(source: PhaseSource, agent: string, where?: string): Phase {
  const { phase, stateFile } = source;
  if ((phase === undefined) === (stateFile === undefined)) {
    throw new TrustError(
      'GT_PHASE_INVALID',
      `got ${phase === undefined ? 'neither phase nor stateFile' : 'both phase and stateFile'}; pass exactly one, e.g. stateFile: 'trust/${agent}.json' to use the committed phase`,
      where,
    );
  }
  if (stateFile !== undefined) {
    const state = readState(stateFile);
    if (state.agent !== agent) {
      throw new TrustError(
        'GT_STATE_INVALID',
        `state file ${stateFile} is for agent "${state.agent}", but definition.name is "${agent}"; point stateFile at ${agent}'s state file`,
        where,
      );
    }
    return state.phase;
  }
  if (!isPhase(phase)) {
    throw new TrustError('GT_PHASE_INVALID', `phase ${String(phase)} is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)`, where);
  }
  return phase;
}
