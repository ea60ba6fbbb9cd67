import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TrustError } from '../errors';
import { stateFileSchema, type StateFile } from './schema';

/** 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

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

/**
 * Parses a state file's text. Errors name `FILE:LINE` and the field.
 * @param file shown in errors
 */
export function parseState(text: string, file: string): StateFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e));
    const line = m ? lineAt(text, Number(m[1])) : 1;
    throw new TrustError('GT_STATE_INVALID', `not valid JSON (${(e as Error).message}); fix the syntax or restore it with git checkout`, `${file}:${line}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TrustError('GT_STATE_INVALID', 'must be a JSON object like {"agent": "x", "phase": 2, "since": "2026-05-01T00:00:00Z"}', `${file}:1`);
  }
  const parsed = stateFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(file)';
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k as string], raw);
    const line = lineOfPath(text, issue.path);
    const got = value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`;
    throw new TrustError('GT_STATE_INVALID', `field "${field}" ${got}: ${issue.message}`, `${file}:${line}`);
  }
  return parsed.data;
}

/** Reads and parses a state file. Throws GT_STATE_IO when it cannot be read. */
export function readState(file: string): StateFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrustError('GT_STATE_IO', code === 'ENOENT'
      ? 'state file does not exist; create it with `trust-gate set-phase --state FILE --phase 1 --agent NAME --by WHO --reason TEXT`'
      : `cannot read the state file (${code ?? (e as Error).message})`, file);
  }
  return parseState(text, file);
}

/** The state file's canonical text: 2-space JSON and a final newline, stable for git diffs. */
export function formatState(state: StateFile): string {
  return JSON.stringify(state, null, 2) + '\n';
}

/**
 * Writes a state file atomically: a temp file beside it, fsync, then rename. A reader sees the
 * old file or the new one, never half of either.
 */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw new TrustError('GT_STATE_IO', `cannot write the state file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the previous file is unchanged`, file);
  }
}

/** Validates and writes a state file atomically. */
export function writeState(file: string, state: StateFile): void {
  const text = formatState(state);
  parseState(text, file); // never commit a file this library could not read back
  writeFileAtomic(file, text);
}
