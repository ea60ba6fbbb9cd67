/**
 * The evidence digest: `sha256:<hex>` over the bytes of the input files, in the order given
 * (compressed bytes for gzip files), as recorded in history with a decision.
 *
 * `ReadDigest` hashes the bytes as the gate reads them (what the CLI does); `digestFiles` reads
 * and hashes the files on a worker thread, synchronously into one 1 MiB buffer (for callers
 * that do not read through `fileSource`, and the CLI's fallback). Files that change while they
 * are read make the digest meaningless; the CLI checks their size and modification time before and after.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { TrustError } from '../errors';

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
 * Starts hashing `paths` on a worker thread; the promise gives `sha256:<hex>`. Errors are
 * GT_INPUT. Aborting `signal` stops the worker (and rejects).
 * @example const digest = digestFiles(['evidence.jsonl']); const decision = await evaluate(…); record(await digest);
 */
export async function digestFiles(paths: readonly string[], signal?: AbortSignal): Promise<string> {
  const worker = new Worker(WORKER, { eval: true, workerData: paths });
  try {
    const [result] = (await once(worker, 'message', signal ? { signal } : {})) as [{ digest?: string; error?: string }];
    if (result.digest === undefined) throw new TrustError('GT_INPUT', `cannot hash the input files (${result.error}); check the paths`);
    return result.digest;
  } finally {
    await worker.terminate();
  }
}

/**
 * The evidence digest from the bytes the gate reads anyway (`fileSource`'s `onChunk`), hashed on
 * the reading thread: SHA-256 costs about 115 ms per 161 MiB there, while a worker reading the
 * files again competed with the evaluation for the CPU on a busy 2-vCPU machine (measured: the
 * evaluator 1.11x a bare JSON.parse loop without the digest, 1.44x with it on the worker).
 * Two ways of hashing these same bytes on a worker were measured and dropped: transferred 1 MiB
 * batches waited for the worker's garbage collector (+70 MB peak RSS), and an 8 MiB ring shared
 * with Atomics cost 400 ms more CPU per 161 MiB in wake-ups; neither was faster in wall time
 * beyond the noise of a 2-vCPU machine (5 alternating runs each).
 * `digest()` answers only when every input was read whole, once, in order; otherwise the caller
 * hashes the files (`digestFiles`).
 *
 * @example
 * const read = new ReadDigest([statSync(file).size]);
 * await evaluate({ state, now, evidence: [fileSource(file, { onChunk: read.chunks(0) })] });
 * const digest = read.digest() ?? await digestFiles([file]);
 */
export class ReadDigest {
  private readonly hash = createHash('sha256');
  private readonly read: number[];
  private current = 0;
  private inOrder = true;

  /** @param sizes the byte size of each input, in digest order */
  constructor(private readonly sizes: readonly number[]) {
    this.read = sizes.map(() => 0);
  }

  /** The `onChunk` of input `index` (in digest order). */
  chunks(index: number): (chunk: Uint8Array) => void {
    return (chunk) => {
      if (index !== this.current) {
        // A later input may start only when every input before it was read whole.
        for (let i = this.current; i < index; i++) if (this.read[i] !== this.sizes[i]) this.inOrder = false;
        if (index < this.current) this.inOrder = false;
        this.current = index;
      }
      this.read[index] = this.read[index]! + chunk.length;
      this.hash.update(chunk);
    };
  }

  /** `sha256:<hex>` over the inputs, or undefined when they were not read exactly once, whole and in order. */
  digest(): string | undefined {
    if (!this.inOrder || this.sizes.some((size, i) => this.read[i] !== size)) return undefined;
    return `sha256:${this.hash.digest('hex')}`;
  }
}
