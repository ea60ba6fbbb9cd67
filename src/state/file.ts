import { closeSync, fchmodSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TrustError } from '../errors';
import { shown } from '../gate/source';
import { structureProblem } from './json';
import { quickState, STATE_FIELDS } from './quick-check';
import type { StateFile } from './schema';

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** How deep a state file may nest: the files this library writes use four levels. */
const MAX_DEPTH = 64;

/**
 * 1-based line of a field given by its path (`['history', 1, 'at']`): each key is searched after
 * the previous one, and an array index skips that many occurrences of the key that follows it.
 * A heuristic for the error message, exact for files this library writes.
 */
export function lineOfPath(text: string, path: readonly PropertyKey[]): number {
  let offset = 0;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    if (typeof part === 'number') continue;
    const skip = typeof path[i - 1] === 'number' ? (path[i - 1] as number) : 0;
    const pattern = new RegExp(`${JSON.stringify(String(part)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`, 'g');
    pattern.lastIndex = offset;
    let match: RegExpExecArray | null = null;
    for (let n = 0; n <= skip; n++) match = pattern.exec(text);
    if (!match) break;
    offset = match.index;
  }
  return lineAt(text, offset);
}

/** Receives warnings about a state file: `FILE:LINE: what`. */
export type StateWarning = (message: string) => void;

/** Prefix of top-level fields of one's own: kept, never warned about. */
export const OWN_FIELD_PREFIX = 'x-';

/**
 * Parses a state file's text. Errors name `FILE:LINE` and the field: a syntax error, a key given
 * twice in one object (JSON would silently keep the last), nesting deeper than 64 levels, a
 * field of the wrong type. An unknown top-level field is kept (tools may add their own data) and
 * reported to `onWarning`, unless it starts with `x-`.
 * @param file shown in errors
 */
export function parseState(text: string, file: string, onWarning?: StateWarning): StateFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const line = m ? lineAt(text, Number(m[1])) : 1;
    throw new TrustError('GT_STATE_INVALID', `not valid JSON (${(e as Error).message.slice(0, 200)}); fix the syntax or restore it with git checkout`, `${file}:${line}`);
  }
  const problem = structureProblem(text, MAX_DEPTH);
  if (problem?.kind === 'duplicate') {
    const field = problem.path.join('.');
    throw new TrustError('GT_STATE_INVALID',
      `field "${field}" appears twice in one object (first at line ${lineAt(text, problem.firstOffset)}); JSON keeps only the last, so the file does not mean what it shows: remove one`,
      `${file}:${lineAt(text, problem.offset)}`);
  }
  if (problem?.kind === 'depth') {
    throw new TrustError('GT_STATE_INVALID', `nested deeper than ${MAX_DEPTH} levels; a state file is a few levels of objects: restore it with git checkout`, `${file}:${lineAt(text, problem.offset)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TrustError('GT_STATE_INVALID', 'must be a JSON object like {"agent": "x", "phase": 2, "since": "2026-05-01T00:00:00Z"}', `${file}:1`);
  }
  let state = quickState(raw);
  if (!state) {
    // Not plainly valid: the zod schema judges it and words the error (loaded only now: ~90 ms).
    const { stateFileSchema } = require('./schema') as typeof import('./schema');
    const parsed = stateFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.') || '(file)';
      const value = issue.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k as string], raw);
      const line = lineOfPath(text, issue.path);
      const got = value === undefined ? 'is missing' : `is ${shown(value)}`; // a bounded excerpt, never the whole value
      throw new TrustError('GT_STATE_INVALID', `field "${field}" ${got}: ${issue.message}`, `${file}:${line}`);
    }
    state = parsed.data;
  }
  if (onWarning) {
    for (const key of Object.keys(raw)) {
      if (STATE_FIELDS.includes(key) || key.startsWith(OWN_FIELD_PREFIX)) continue;
      onWarning(`${file}:${lineOfPath(text, [key])}: unknown field "${key}" is kept as it is, but trust-gate does not read it (known fields: ${STATE_FIELDS.join(', ')}); ` +
        `fix the spelling, or name a field of your own "${OWN_FIELD_PREFIX}${key}"`);
    }
  }
  return state;
}

/** Reads a state file's text; throws GT_STATE_IO when it cannot be read. */
export function readStateText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrustError('GT_STATE_IO', code === 'ENOENT'
      ? 'state file does not exist; create it with `trust-gate set-phase --state FILE --phase 1 --agent NAME --by WHO --reason TEXT`'
      : `cannot read the state file (${code ?? (e as Error).message})`, file);
  }
}

/** Reads and parses a state file. Throws GT_STATE_IO when it cannot be read; warnings as `parseState`. */
export function readState(file: string, onWarning?: StateWarning): StateFile {
  return parseState(readStateText(file), file, onWarning);
}

/** The state file's canonical text: 2-space JSON and a final newline, stable for git diffs. */
export function formatState(state: StateFile): string {
  return JSON.stringify(state, null, 2) + '\n';
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * The file a write to `file` replaces: `file` itself, or the target of a symbolic link (so the
 * link keeps pointing at the new content). Throws GT_STATE_IO for a link to nothing and for a
 * folder that does not exist.
 */
export function writeTarget(file: string): string {
  let link = false;
  try {
    link = lstatSync(file).isSymbolicLink();
  } catch {
    // does not exist yet
  }
  if (link) {
    try {
      return realpathSync(file);
    } catch (e) {
      throw new TrustError('GT_STATE_IO', `is a symbolic link to nothing (${errno(e)}); point it at the state file, or replace it with the file`, file);
    }
  }
  const folder = dirname(file);
  let isFolder: boolean | undefined;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (isFolder === false) throw new TrustError('GT_STATE_IO', `"${folder}" is a file, not a folder; move it or choose another path; nothing was written`, file);
  if (!isFolder) throw new TrustError('GT_STATE_IO', `the folder "${folder}" does not exist; create it (mkdir -p ${folder}) and run again; nothing was written`, file);
  return file;
}

/** Whether process `pid` is running on this machine. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files an interrupted write of `target` left (`.NAME.PID.tmp` of a process that is
 * no longer running, or of this one), so a killed `--write` does not leave megabytes for
 * `git add -A` to commit.
 */
function removeStaleTemps(target: string): void {
  const folder = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length, -4));
    if (!Number.isInteger(pid) || pid <= 0 || (pid !== process.pid && isRunning(pid))) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {
      // another process removed it
    }
  }
}

/** Flushes a folder's entries (the rename) to disk; where a platform cannot, the rename still happened. */
function fsyncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse to open or sync a folder
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes a file atomically: a temp file beside it (`.NAME.PID.tmp`, with the old file's mode),
 * fsync, rename over it, fsync of the folder. A reader sees the old file or the new one, never
 * half of either. A symbolic link is written through: its target gets the new content. Temp
 * files left by an interrupted earlier write are removed first.
 */
export function writeFileAtomic(file: string, text: string): void {
  const target = writeTarget(file);
  removeStaleTemps(target);
  let existing: Stats | undefined;
  try {
    existing = statSync(target);
  } catch {
    // a new file
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', existing ? existing.mode & 0o7777 : 0o666);
    try {
      writeSync(fd, text);
      if (existing) fchmodSync(fd, existing.mode & 0o7777);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new TrustError('GT_STATE_IO', `cannot write ${target === file ? 'the file' : `the link's target ${target}`} (${errno(e)}); ${existing ? 'the previous file is unchanged' : 'nothing was written'}`, file);
  }
  fsyncFolder(dirname(target));
}

/** Validates and writes a state file atomically. */
export function writeState(file: string, state: StateFile): void {
  const text = formatState(state);
  parseState(text, file); // never commit a file this library could not read back
  writeFileAtomic(file, text);
}
