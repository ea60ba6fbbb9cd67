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

/** Hashes bytes fed in order. */
interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): Promise<string>;
  /** Stops a worker that was not asked for its digest (a failed read). */
  close(): void;
}

function inlineHasher(): Hasher {
  const hash = createHash('sha256');
  return { update: (chunk) => hash.update(chunk), digest: async () => `sha256:${hash.digest('hex')}`, close: () => undefined };
}

// The hashing worker: it hashes what the reader wrote into a shared ring buffer. `ctrl` holds
// bytes written (0), bytes hashed (1) and "no more bytes" (2); each side waits on the other's count.
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const ring = new Uint8Array(workerData.ring);
const ctrl = new BigInt64Array(workerData.ctrl);
const size = BigInt(ring.length);
let hashed = 0n;
for (;;) {
  const written = Atomics.load(ctrl, 0);
  if (written === hashed) {
    if (Atomics.load(ctrl, 2) === 1n && Atomics.load(ctrl, 0) === hashed) break;
    Atomics.wait(ctrl, 0, written, 50);
    continue;
  }
  const from = Number(hashed % size);
  const n = Number(written - hashed);
  const first = Math.min(n, ring.length - from);
  hash.update(ring.subarray(from, from + first));
  if (first < n) hash.update(ring.subarray(0, n - first));
  hashed = written;
  Atomics.store(ctrl, 1, hashed);
  Atomics.notify(ctrl, 1);
}
parentPort.postMessage('sha256:' + hash.digest('hex'));
`;

const RING_BYTES = 8 << 20;
const STALL_MS = 30_000;

/**
 * Hashes on a worker thread through an 8 MiB ring buffer shared with it: the reading thread copies
 * each chunk in (a memcpy, a fifth of what SHA-256 costs) and waits only when the worker is a whole
 * ring behind. Memory stays at the ring whatever the input's size (transferring batches instead
 * left them to the worker's garbage collector: +70 MB of peak RSS).
 */
function workerHasher(): Hasher {
  const ring = new Uint8Array(new SharedArrayBuffer(RING_BYTES));
  const ctrl = new BigInt64Array(new SharedArrayBuffer(3 * 8));
  const worker = new Worker(HASH_WORKER, { eval: true, workerData: { ring: ring.buffer, ctrl: ctrl.buffer } });
  worker.unref();
  let stopped = false;
  let failure: Error | undefined;
  const answer = new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', (e) => {
      failure = e;
      reject(e);
    });
    worker.once('exit', (code) => {
      stopped = true;
      reject(new TrustError('GT_INPUT', `the digest worker stopped (exit code ${code}) before it answered; run again`));
    });
  });
  answer.catch(() => undefined); // observed in digest(); a read that fails never asks
  let written = 0n;
  const put = (chunk: Uint8Array) => {
    const from = Number(written % BigInt(RING_BYTES));
    const first = Math.min(chunk.length, RING_BYTES - from);
    ring.set(chunk.subarray(0, first), from);
    if (first < chunk.length) ring.set(chunk.subarray(first), 0);
    written += BigInt(chunk.length);
    Atomics.store(ctrl, 0, written);
    Atomics.notify(ctrl, 0);
  };
  return {
    update(chunk) {
      for (let at = 0; at < chunk.length;) {
        if (stopped || failure) return; // digest() reports it
        const free = RING_BYTES - Number(written - Atomics.load(ctrl, 1));
        if (free === 0) {
          // The worker is a ring behind. Its 'exit' event cannot arrive while this thread waits, so a
          // worker that makes no progress for STALL_MS is given up on (digest() reports it).
          const hashed = Atomics.load(ctrl, 1);
          if (Atomics.wait(ctrl, 1, hashed, STALL_MS) === 'timed-out' && Atomics.load(ctrl, 1) === hashed) {
            failure = new TrustError('GT_INPUT', `the digest worker hashed nothing for ${STALL_MS / 1000} s; run again on a less loaded machine`);
            void worker.terminate();
          }
          continue;
        }
        const n = Math.min(free, chunk.length - at);
        put(chunk.subarray(at, at + n));
        at += n;
      }
    },
    async digest() {
      if (failure) throw failure;
      if (stopped) throw new TrustError('GT_INPUT', 'the digest worker was stopped (close()) before the digest was asked for; read the inputs again');
      worker.ref(); // the process waits for the answer (unref'd until now, so a forgotten close() cannot keep it alive)
      Atomics.store(ctrl, 2, 1n);
      Atomics.notify(ctrl, 0);
      try {
        return await answer;
      } finally {
        void worker.terminate();
      }
    },
    close: () => {
      stopped = true;
      void worker.terminate();
    },
  };
}

/** Inputs from this size on are hashed on a worker; smaller ones on the reading thread (a worker costs about 30 ms to start). */
export const WORKER_DIGEST_BYTES = 32 * 1024 * 1024;

/**
 * The evidence digest from the bytes the gate reads anyway (`fileSource`'s `onChunk`), so the
 * digest is of exactly the bytes evaluated and no file is read twice. From
 * `WORKER_DIGEST_BYTES` of input on, SHA-256 (about 115 ms per 161 MiB) runs on a worker fed
 * with transferred batches; a worker reading the files again instead competed with the
 * evaluation for the CPU on a busy 2-vCPU machine (measured: the evaluator 1.11x a bare
 * JSON.parse loop without the digest, 1.44x with it on such a worker).
 * `digest()` answers only when every input was read whole, once, in order; otherwise the caller
 * hashes the files (`digestFiles`). Call `close()` when the read fails.
 *
 * @example
 * const read = new ReadDigest([statSync(file).size]);
 * try {
 *   await evaluate({ state, now, evidence: [fileSource(file, { onChunk: read.chunks(0) })] });
 *   const digest = (await read.digest()) ?? await digestFiles([file]);
 * } finally {
 *   read.close();
 * }
 */
export class ReadDigest {
  private readonly hash: Hasher;
  private readonly read: number[];
  private current = 0;
  private inOrder = true;

  /** @param sizes the byte size of each input, in digest order */
  constructor(private readonly sizes: readonly number[]) {
    this.read = sizes.map(() => 0);
    this.hash = sizes.reduce((sum, n) => sum + n, 0) >= WORKER_DIGEST_BYTES ? workerHasher() : inlineHasher();
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
  async digest(): Promise<string | undefined> {
    if (!this.inOrder || this.sizes.some((size, i) => this.read[i] !== size)) {
      this.hash.close();
      return undefined;
    }
    return this.hash.digest();
  }

  /** Stops the hashing (after a failed read; harmless after `digest()`). */
  close(): void {
    this.hash.close();
  }
}
