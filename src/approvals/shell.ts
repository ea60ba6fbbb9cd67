/**
 * POSIX shell quoting for the commands `trust-gate approve` and `trust-gate approvals` print, so an
 * operator can paste them whatever the value: a word of safe characters stays as it is, anything
 * else is single-quoted (a `'` inside becomes `'\''`). No shell expands anything inside single
 * quotes, so `$`, backticks, `\`, `!`, spaces and newlines reach the program unchanged.
 */
import { TrustError } from '../errors';

/** Characters no POSIX shell treats specially anywhere in a word. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One value as one POSIX shell word. Throws GT_INPUT for a NUL, which no argument can carry. */
export function shellWord(value: string): string {
  if (value.includes('\0')) throw new TrustError('GT_INPUT', `${JSON.stringify(value)} contains a NUL character, which no command-line argument can carry; remove it`);
  return SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one line a POSIX shell runs as exactly that argv. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
