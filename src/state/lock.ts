/**
 * An exclusive lock on a state file, held across read, decide and write, so two writers never
 * both write what each decided from the same old file (one would silently undo the other's
 * demotion).
 *
 * The lock is a file beside the state file, `.NAME.lock`, created with O_EXCL (exactly one
 * creator wins, also on NFS v3+), holding who took it: pid, host, command and when. It is
 * removed on every way out of the holder: return, error, exit, SIGINT, SIGTERM, SIGHUP. A
 * `kill -9` leaves it behind: the next writer on the same host sees that its pid no longer runs
 * and takes it over (under a second, short-lived `.NAME.lock.break` lock, so two writers never
 * both break it). A lock of another host is never broken automatically: the error says whose it
 * is and how to remove it.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TrustError } from '../errors';
import { isRunning, writeTarget } from './file';

/** Options of `withStateLock`. */
export interface LockOptions {
  /**
   * How long to wait for another holder to finish, ms.
   * @default 0: fail at once, naming the holder (as `terraform -lock-timeout=0s`)
   */
  readonly timeoutMs?: number;
  /** Written into the lock for the error another writer sees, e.g. `trust-gate evaluate --write`. */
  readonly command?: string;
}

/** Who holds a lock. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

/** How long a lock without a readable holder, or a breaker lock, may exist before it counts as abandoned. */
const ABANDONED_MS = 10_000;
const POLL_MS = 50;

/** The lock file of a state file: beside the file a write replaces (a symbolic link's target). */
export function lockPath(file: string): string {
  const target = writeTarget(file);
  return join(dirname(target), `.${basename(target)}.lock`);
}

function readHolder(path: string): { text: string; holder: Holder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile
    return { text: '', holder: undefined };
  }
  try {
    const holder = JSON.parse(text) as Holder;
    return { text, holder: typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : undefined };
  } catch {
    return { text, holder: undefined };
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether the lock's holder is gone: a process of this host that no longer runs, or a lock without a holder for a while. */
function abandoned(path: string, seen: { holder: Holder | undefined }): boolean {
  if (!seen.holder) return ageMs(path) > ABANDONED_MS;
  return seen.holder.host === hostname() && !isRunning(seen.holder.pid);
}

/** Removes an abandoned lock if it is still the one judged abandoned (`text`); true when the caller may try again at once. */
function breakLock(path: string, text: string): boolean {
  const breaker = `${path}.break`;
  let fd: number;
  try {
    fd = openSync(breaker, 'wx');
  } catch {
    if (ageMs(breaker) > ABANDONED_MS) {
      try { unlinkSync(breaker); } catch { /* someone else did */ }
    }
    return false;
  }
  closeSync(fd);
  try {
    if (readHolder(path)?.text === text) unlinkSync(path);
  } catch {
    // already gone
  } finally {
    try { unlinkSync(breaker); } catch { /* gone */ }
  }
  return true;
}

function describe(seen: { holder: Holder | undefined } | undefined): string {
  const h = seen?.holder;
  return h ? `${h.command} (pid ${h.pid} on host ${h.host}, since ${h.since})` : 'a process that has not written its name yet';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `fn` holding the exclusive lock of state file `file`, and releases it on every way out.
 * Throws GT_STATE_IO naming the holder when another process holds it past `timeoutMs`.
 * @example await withStateLock('trust/agent.json', { command: 'my-tool' }, () => writeState(file, next(readState(file))));
 */
export async function withStateLock<T>(file: string, options: LockOptions, fn: () => T | Promise<T>): Promise<T> {
  const path = lockPath(file);
  const own = JSON.stringify({ pid: process.pid, host: hostname(), command: options.command ?? 'trust-gate', since: new Date().toISOString() } satisfies Holder);
  const deadline = Date.now() + (options.timeoutMs ?? 0);
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, own);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new TrustError('GT_STATE_IO', `cannot create the lock ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was written`, file);
      }
    }
    const seen = readHolder(path);
    if (seen === undefined) continue; // released between our attempt and the read
    if (abandoned(path, seen) && breakLock(path, seen.text)) continue;
    if (Date.now() >= deadline) {
      throw new TrustError('GT_STATE_IO', `is locked by ${describe(seen)}, which is writing it; nothing was written: run again when it is done ` +
        `(or wait with --lock-timeout), or if that process is gone, delete ${path}`, file);
    }
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
  const release = () => {
    if (readHolder(path)?.text === own) {
      try { unlinkSync(path); } catch { /* gone */ }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    release();
    cleanup();
    process.kill(process.pid, signal); // die of it, as without the handler
  };
  const cleanup = () => {
    process.off('exit', release);
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', release);
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    return await fn();
  } finally {
    release();
    cleanup();
  }
}
