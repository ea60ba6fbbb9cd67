import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TrustError } from '../errors';

/** Everything a command touches outside its arguments, so commands run in tests without a process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Current time; `--now` overrides it where a command takes it. */
  readonly now: () => Date;
  /** Whether stderr is a terminal (progress output is shown only then). */
  readonly stderrIsTty: boolean;
}

/** The process's Io. */
export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    now: () => new Date(),
    stderrIsTty: Boolean(process.stderr.isTTY),
  };
}

/** A command: arguments in, exit code out. */
export type Command = (argv: string[], io: Io) => Promise<number> | number;

/** Exit codes, as terraform uses them. */
export const EXIT = { ok: 0, error: 1, changes: 2 } as const;

/**
 * Parses flags with node's parseArgs and turns its errors into usage errors.
 * @param usage one line shown with every error
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, usage: string, positionals = false): Flags<T> {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(usage);
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals }) as unknown as Flags<T>;
  } catch (e) {
    throw new TrustError('GT_USAGE', `${(e as Error).message}\nusage: ${usage}`);
  }
}

/** Thrown by parseFlags for `--help`/`-h`: main prints the usage on stdout and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
  }
}

/** Parsed flags: strings, booleans, or string lists for `multiple` flags. */
export interface Flags<T> {
  readonly values: { [K in keyof T]?: T[K] extends { type: 'boolean' } ? boolean : T[K] extends { multiple: true } ? string[] : string };
  readonly positionals: string[];
}

/** A required string flag. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === '') throw new TrustError('GT_USAGE', `${flag} is required\nusage: ${usage}`);
  return value;
}

/** Parses `--format` against the allowed values. */
export function formatFlag<F extends string>(value: string | undefined, allowed: readonly F[], fallback: F): F {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new TrustError('GT_USAGE', `--format "${value}" is not supported; use one of ${allowed.join(', ')}`);
  }
  return value as F;
}

/** Parses `--now` (ISO-8601 with zone) or takes the clock. */
export function nowFlag(value: string | undefined, io: Io): Date {
  if (value === undefined) return io.now();
  const d = new Date(value);
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(value) || Number.isNaN(d.getTime())) {
    throw new TrustError('GT_USAGE', `--now "${value}" is not an ISO-8601 time with a zone; use e.g. 2026-11-25T00:00:00Z`);
  }
  return d;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration flag: a whole number with a unit, `500ms`, `30s`, `5m`, `12h`, `1d`, or `0`.
 * @param fallback the value when the flag is not given, ms
 */
export function durationFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m || (m[2] === undefined && m[1] !== '0')) {
    throw new TrustError('GT_USAGE', `${flag} "${value}" is not a duration; use a whole number with a unit: 500ms, 30s, 5m, 12h or 1d (or 0)`);
  }
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}

/** Where a command's state-file warnings go: stderr, one line each, named by the command. */
export function warnings(io: Io, command: string): (message: string) => void {
  return (message) => io.stderr(`trust-gate ${command}: warning: ${message}\n`);
}
