import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { TrustError } from '../errors';
import { isPhase, phaseLabel, type Phase } from '../phase/table';
import { readState, writeState } from '../state/file';
import { withStateLock } from '../state/lock';
import { checkSetPhase, setPhase } from '../state/set-phase';
import { isoSeconds } from '../time';
import { durationFlag, EXIT, nowFlag, parseFlags, required, warnings, type Io } from './io';

const USAGE = 'trust-gate set-phase --state FILE --phase N --by WHO --reason TEXT [--agent NAME] [--now ISO] [--lock-timeout 30s]';

/**
 * Creates the folders a new state file goes in, and says which it created (none when they exist).
 * A path that exists but is not a folder fails with the folder named.
 */
export function createFolderFor(file: string): string | undefined {
  const folder = dirname(file);
  if (existsSync(folder)) {
    if (statSync(folder).isDirectory()) return undefined;
    throw new TrustError('GT_STATE_IO', `"${folder}" is a file, not a folder, so the state file cannot go in it; move that file or choose another --state; nothing was written`, file);
  }
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new TrustError('GT_STATE_IO', `cannot create the folder "${folder}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); create it and run again; nothing was written`, file);
  }
  return folder;
}

/** `trust-gate set-phase`: a manual override, recorded in history, written atomically under the state file's lock. */
export async function setPhaseCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, phase: { type: 'string' }, by: { type: 'string' },
    reason: { type: 'string' }, agent: { type: 'string' }, now: { type: 'string' }, 'lock-timeout': { type: 'string' },
  }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const raw = required(values.phase, '--phase', USAGE);
  const phase = Number(raw);
  if (!/^\d+$/.test(raw) || !isPhase(phase)) {
    throw new TrustError('GT_PHASE_INVALID', `--phase "${raw}" is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)`);
  }
  const by = required(values.by, '--by', USAGE);
  const reason = required(values.reason, '--reason', USAGE);
  const at = isoSeconds(nowFlag(values.now, io));
  const timeoutMs = durationFlag(values['lock-timeout'], '--lock-timeout', 0);
  const request = { phase: phase as Phase, by, reason, at, ...(values.agent !== undefined ? { agent: values.agent } : {}) };
  const creating = !existsSync(file);
  checkSetPhase(request, !creating); // before a folder is created
  const created = creating ? createFolderFor(file) : undefined;
  return withStateLock(file, { timeoutMs, command: 'trust-gate set-phase' }, () => {
    const state = existsSync(file) ? readState(file, warnings(io, 'set-phase')) : undefined;
    const next = setPhase(state, request);
    writeState(file, next);
    const change = state ? `${phaseLabel(state.phase)} -> ${phaseLabel(next.phase)}` : `created at ${phaseLabel(next.phase)}`;
    io.stdout(`${next.agent}: ${change} (written to ${file}${created ? `; created the folder ${created}` : ''})\n`);
    return EXIT.ok;
  });
}
