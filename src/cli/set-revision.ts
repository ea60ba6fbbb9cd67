import { TrustError } from '../errors';
import { changeRevision, revisionId, type RevisionParts } from '../gate/revision';
import { phaseLabel } from '../phase/table';
import { readState, writeState } from '../state/file';
import { withStateLock } from '../state/lock';
import { isoSeconds } from '../time';
import { durationFlag, EXIT, nowFlag, parseFlags, required, warnings, type Io } from './io';
import { readPolicyFlag } from './policy';

const USAGE = 'trust-gate set-revision --state FILE (--revision ID | --model DIGEST --prompt DIGEST --toolset DIGEST) --by WHO --reason TEXT ' +
  '[--policy FILE] [--now ISO] [--lock-timeout 30s]';

/** The revision of the flags: one opaque string, or three digests. */
function revisionFlags(values: { revision?: string; model?: string; prompt?: string; toolset?: string }): { id: string; parts?: RevisionParts } {
  const parts = [values.model, values.prompt, values.toolset];
  const given = parts.filter((p) => p !== undefined).length;
  if (values.revision !== undefined && given === 0) {
    if (!values.revision.trim()) throw new TrustError('GT_USAGE', 'is empty; name the revision, e.g. a release tag or a digest', '--revision');
    return { id: values.revision };
  }
  if (values.revision === undefined && given === 3 && parts.every((p) => p!.trim())) {
    const digests = { model: values.model!, prompt: values.prompt!, toolset: values.toolset! };
    return { id: revisionId(digests), parts: digests };
  }
  throw new TrustError('GT_USAGE', `give --revision ID, or all three of --model, --prompt and --toolset (non-empty), not both\nusage: ${USAGE}`);
}

/**
 * `trust-gate set-revision`: records a new agent revision, a committed and reviewed event. The
 * policy's `revisionChange` says what it does to the phase. Written atomically under the state
 * file's lock; nothing is written when the revision is already the current one.
 */
export async function setRevisionCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, revision: { type: 'string' }, model: { type: 'string' }, prompt: { type: 'string' }, toolset: { type: 'string' },
    by: { type: 'string' }, reason: { type: 'string' }, policy: { type: 'string' }, now: { type: 'string' }, 'lock-timeout': { type: 'string' },
  }, USAGE);
  const file = required(values.state, '--state', USAGE);
  const revision = revisionFlags(values);
  const by = required(values.by, '--by', USAGE);
  const reason = required(values.reason, '--reason', USAGE);
  const at = isoSeconds(nowFlag(values.now, io));
  const timeoutMs = durationFlag(values['lock-timeout'], '--lock-timeout', 0);
  const policy = await readPolicyFlag(values.policy);
  return withStateLock(file, { timeoutMs, command: 'trust-gate set-revision' }, () => {
    const state = readState(file, warnings(io, 'set-revision'));
    const next = changeRevision(state, { ...revision, by, reason, at }, policy);
    if (!next) {
      io.stdout(`${state.agent}: revision ${revision.id} is already the current one; ${file} unchanged\n`);
      return EXIT.ok;
    }
    writeState(file, next);
    const effect = next.history!.at(-1)!.reasons[1];
    const phase = next.phase === state.phase ? phaseLabel(next.phase) : `${phaseLabel(state.phase)} -> ${phaseLabel(next.phase)}`;
    io.stdout(`${state.agent}: ${effect} (${phase}; written to ${file})\n`);
    return EXIT.ok;
  });
}
