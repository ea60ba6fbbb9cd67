import { existsSync } from 'node:fs';
import { TrustError } from '../errors';
import { isPhase, phaseLabel, type Phase } from '../phase/table';
import { readState, writeState } from '../state/file';
import { setPhase } from '../state/set-phase';
import { isoSeconds } from '../time';
import { EXIT, nowFlag, parseFlags, required, type Io } from './io';

const USAGE = 'trust-gate set-phase --state FILE --phase N --by WHO --reason TEXT [--agent NAME] [--now ISO]';

/** `trust-gate set-phase`: a manual override, recorded in history, written atomically. */
export function setPhaseCommand(argv: string[], io: Io): number {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, phase: { type: 'string' }, by: { type: 'string' },
    reason: { type: 'string' }, agent: { type: 'string' }, now: { type: 'string' },
  }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const raw = required(values.phase, '--phase', USAGE);
  const phase = Number(raw);
  if (!/^\d+$/.test(raw) || !isPhase(phase)) {
    throw new TrustError('GT_PHASE_INVALID', `--phase "${raw}" is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)`);
  }
  const state = existsSync(file) ? readState(file) : undefined;
  const at = nowFlag(values.now, io);
  const next = setPhase(state, {
    phase: phase as Phase,
    by: required(values.by, '--by', USAGE),
    reason: required(values.reason, '--reason', USAGE),
    at: isoSeconds(at),
    ...(values.agent !== undefined ? { agent: values.agent } : {}),
  });
  writeState(file, next);
  const from = state ? phaseLabel(state.phase) : 'nothing';
  io.stdout(`${next.agent}: ${from} -> ${phaseLabel(next.phase)} (written to ${file})\n`);
  return EXIT.ok;
}
