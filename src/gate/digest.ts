/**
 * The evidence digest: `sha256:<hex>` over the bytes of the input files, in the order given
 * (compressed bytes for gzip files), as recorded in history with a decision.
 *
 * `digestFiles` reads and hashes the files on a worker thread, synchronously into one 1 MiB
 * buffer: for callers that read the files some other way, and the CLI's fallback when its
 * `ReadAhead` (read-ahead.ts, which hashes the bytes the gate reads) read them out of order.
 * Files that change while they are read make the digest meaningless; the CLI checks their size
 * and modification time before and after.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { TrustError } from '../errors';
import { readThrough } from './files';

// Synchronous reads into one reused buffer: a stream costs the worker more CPU than the hashing
// (measured: 160 ms of stream and microtask work besides 110 ms of SHA-256 for 161 MiB), and on a
// busy machine that CPU is taken from the evaluation.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
try {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafeSlow(1 << 20);
  for (const path of workerData) {
    const fd = openSync(path, 'r');
    try {
      for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
} catch (e) {
  parentPort.postMessage({ error: e.message });
}
`;

/**
 * Starts hashing `paths` on a worker thread (on this one where no thread can start); the promise
 * gives `sha256:<hex>`. Errors are GT_INPUT. Aborting `signal` stops the worker (and rejects).
 * @example const digest = digestFiles(['evidence.jsonl']); const decision = await evaluate(…); record(await digest);
 */
export async function digestFiles(paths: readonly string[], signal?: AbortSignal): Promise<string> {
  let worker: Worker;
  try {
    worker = new Worker(WORKER, { eval: true, workerData: paths });
  } catch {
    return hashHere(paths); // no threads here (e.g. a permission model without --allow-worker)
  }
  try {
    const [result] = (await once(worker, 'message', signal ? { signal } : {})) as [{ digest?: string; error?: string }];
    if (result.digest === undefined) throw new TrustError('GT_INPUT', `cannot hash the input files (${result.error}); check the paths`);
    return result.digest;
  } finally {
    await worker.terminate();
  }
}

/** `sha256:<hex>` of `paths`, read on this thread. */
function hashHere(paths: readonly string[]): string {
  const hash = createHash('sha256');
  for (const path of paths) readThrough(path, 0, undefined, (c) => void hash.update(c));
  return `sha256:${hash.digest('hex')}`;
}
