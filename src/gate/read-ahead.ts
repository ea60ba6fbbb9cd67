/**
 * Reading the gate's input files on a second thread: a reader thread reads the inputs' bytes
 * into a ring of 64 KiB slots in shared memory and hashes them (the evidence digest), while the
 * main thread only decodes and evaluates. On a 10M-line file that moves about 1.5 s of reading
 * and SHA-256 off the evaluating thread (docs/gate.md, "Reading on a second thread").
 *
 * - Inputs smaller than `threadFromBytes` in all are read and hashed on the main thread, as
 *   before: a thread costs about 50 ms of CPU and 30 MB to start.
 * - Until the thread has started, the main thread reads on its own and keeps what it read; it
 *   hands the thread those bytes (transferred, not copied) to hash first, and the place to go on
 *   from. Nothing waits for the thread to start. Past `prefixBytes` kept (or when the thread
 *   fails to start) it stops waiting and reads and hashes everything itself.
 * - The inputs must be read whole, once each, one at a time, in digest order (what
 *   `trust-gate evaluate` does). Read otherwise, the thread stops, every input is read on the
 *   main thread (a read under way goes on from where it was) and `digest()` is undefined: the
 *   caller hashes the files again (`digestFiles`).
 * - A chunk is valid until the next one is asked for: the thread refills its slot after that.
 *   Keep a copy to hold on to it (fileSource does, for gzip input).
 * - Files are opened one at a time, on each side, when they are reached: a run over many inputs
 *   holds at most two open. Both sides open the same paths; the CLI checks each file's size and
 *   modification time before and after, as it does for `digestFiles`.
 *
 * @example
 * const ahead = new ReadAhead(['evidence.jsonl']);
 * try {
 *   const decision = await evaluate({ state, now, evidence: [fileSource('evidence.jsonl', { raw: () => ahead.chunks(0) })] });
 *   const digest = (await ahead.digest()) ?? (await digestFiles(['evidence.jsonl']));
 * } finally {
 *   await ahead.close();
 * }
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { TrustError } from '../errors';
import { cannotRead } from './files';
import {
  COMMAND, CONSUMED, CONTROL_WORDS, DONE, FD, GO, MESSAGE_BYTES, MESSAGE_LENGTH, READER_THREAD, READY, SLOT_BYTES, SLOTS, STOP, WRITTEN,
} from './read-ahead-thread';

/** Options of `ReadAhead`. */
export interface ReadAheadOptions {
  /** Inputs smaller than this in all are read on the main thread alone. Default 16 MiB. */
  readonly threadFromBytes?: number;
  /** The most memory the main thread keeps for the thread while it starts; past it, it reads and hashes everything itself. Default 64 MiB. */
  readonly prefixBytes?: number;
}

const DEFAULT_THREAD_FROM_BYTES = 16 * 1024 * 1024;
const DEFAULT_PREFIX_BYTES = 64 * 1024 * 1024;
/** How often a waiting main thread checks that the reader thread is still alive, ms. */
const ALIVE_CHECK_MS = 100;
/** How long `close()` lets the thread end on its own before terminating it, ms. */
const STOP_GRACE_MS = 1000;

/**
 * Who reads:
 * - `local`: the main thread reads and hashes (no thread, or it gave up waiting for it).
 * - `prefix`: the main thread reads and keeps the bytes while the thread starts.
 * - `ring`: the thread reads and hashes, the main thread takes the slots.
 * - `broken`: read out of order: the main thread reads, nobody hashes.
 */
export type Mode = 'local' | 'prefix' | 'ring' | 'broken';

/** `Atomics.waitAsync` (ES2024; Node 16+), typed here because the project's lib is ES2022. */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

/** The shared memory of the ring. */
class Ring {
  readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  readonly meta = new Int32Array(new SharedArrayBuffer(SLOTS * 2 * 4));
  readonly data = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  readonly result = new SharedArrayBuffer(32);
  readonly message = new SharedArrayBuffer(MESSAGE_BYTES);
  /** One view per slot, made once. */
  readonly views = Array.from({ length: SLOTS }, (_, i) => Buffer.from(this.data, i * SLOT_BYTES, SLOT_BYTES));

  constructor() {
    this.control[FD] = -1;
  }
}

/** Reads the inputs of one evaluation, on a second thread when they are large; see the module comment. */
export class ReadAhead {
  private mode: Mode = 'local';
  private hash: Hash | undefined = createHash('sha256');
  private prefix: { buffer: ArrayBuffer; length: number }[] = [];
  private kept = 0;
  private readonly keepLimit: number;
  /** The input to be read next, and where in it (main-thread reads). */
  private next = 0;
  private position = 0;
  /** The main thread's open input: its place and descriptor. */
  private open: { place: number; fd: number } | undefined;
  private reading = false;
  /** Ring slots taken so far. */
  private taken = 0;
  private ring: Ring | undefined;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private died: Error | undefined;
  private answer: string | undefined;
  private closed = false;

  /** `paths`: the inputs, in digest order. A file that does not exist is GT_INPUT naming it here; other read errors come when it is read. */
  constructor(private readonly paths: readonly string[], options: ReadAheadOptions = {}) {
    this.keepLimit = options.prefixBytes ?? DEFAULT_PREFIX_BYTES;
    const total = paths.reduce((sum, path) => sum + sizeOf(path), 0);
    if (total >= (options.threadFromBytes ?? DEFAULT_THREAD_FROM_BYTES)) this.startThread();
  }

  /** Who reads now, for diagnostics and tests: see `Mode`. */
  get reader(): Mode {
    return this.mode;
  }

  /** Resolves true once the reader thread runs, false when there is none or it failed to start (diagnostics, tests). */
  async threadRunning(): Promise<boolean> {
    const ring = this.ring;
    if (!ring) return false;
    while (Atomics.load(ring.control, READY) === 0) {
      if (this.died) return false;
      await this.waitFor(READY, 0);
    }
    return true;
  }

  /** The raw bytes of input `place` (its index in `paths`), in chunks. */
  async *chunks(place: number): AsyncGenerator<Buffer> {
    if (place !== this.next || this.reading || this.closed) this.breakOrder();
    this.reading = true;
    let whole = false;
    try {
      if (this.mode === 'broken') {
        yield* this.localChunks(place, 0);
      } else {
        for (;;) {
          if (this.mode === 'prefix' && this.threadReady()) this.handOver(place);
          if (this.mode === 'ring') {
            yield* this.ringChunks(place);
            break;
          }
          const chunk = this.readLocal(place);
          if (chunk === undefined) break;
          yield chunk;
        }
      }
      whole = true;
      if (this.mode !== 'broken') {
        this.next = place + 1;
        this.position = 0;
      }
    } finally {
      this.reading = false;
      this.closeOpen();
      if (!whole) this.breakOrder();
    }
  }

  /**
   * `sha256:<hex>` over every input's bytes in order, or undefined when they were not read whole,
   * once each, in order. Throws GT_INPUT when the reader thread failed.
   */
  async digest(): Promise<string | undefined> {
    if (this.answer !== undefined) return this.answer;
    if (this.mode === 'broken' || this.next !== this.paths.length) return undefined; // in order, `next` counts the inputs read whole
    if (this.mode === 'prefix') this.hashKeptHere();
    if (this.mode === 'local') {
      this.answer = `sha256:${this.hash!.digest('hex')}`;
      this.hash = undefined;
      return this.answer;
    }
    const control = this.ring!.control;
    while (Atomics.load(control, DONE) === 0) {
      if (this.died) return undefined; // the caller hashes the files again
      await this.waitFor(DONE, 0);
    }
    if (Atomics.load(control, DONE) === 2) throw this.threadError(this.paths.length - 1);
    this.answer = `sha256:${Buffer.from(this.ring!.result).toString('hex')}`;
    return this.answer;
  }

  /** Stops the thread and closes the files. Call it in a `finally`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closeOpen();
    this.stopThread();
    this.port?.close();
    const worker = this.worker;
    if (!worker) return;
    if (!this.died) await within(once(worker, 'exit').catch(() => undefined), STOP_GRACE_MS); // it ends at once on STOP, closing its file itself
    await worker.terminate();
    const fd = Atomics.exchange(this.ring!.control, FD, -1); // left open only when the thread was terminated mid-file
    try {
      if (fd >= 0) closeSync(fd);
    } catch {
      // already closed with the thread
    }
  }

  private startThread(): void {
    try {
      const ring = new Ring();
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(READER_THREAD, {
        eval: true,
        resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 }, // it allocates next to nothing: a small young generation keeps its RSS flat
        workerData: { control: ring.control.buffer, meta: ring.meta.buffer, data: ring.data, result: ring.result, message: ring.message, paths: this.paths, port: port2 },
        transferList: [port2],
      });
      worker.on('error', (e) => { this.died ??= e; });
      worker.on('exit', (code) => { this.died ??= new Error(`the reader thread ended (exit ${code})`); });
      worker.unref();
      port1.unref();
      this.ring = ring;
      this.worker = worker;
      this.port = port1;
      this.mode = 'prefix';
      this.hash = undefined;
    } catch {
      // No thread (a platform without workers, a resource limit): read on this one.
    }
  }

  /** Whether the thread has started; a thread that died first makes this one read alone. */
  private threadReady(): boolean {
    if (Atomics.load(this.ring!.control, READY) === 1) return true;
    if (this.died) this.hashKeptHere();
    return false;
  }

  /** Gives the thread the bytes read so far and where to go on; from now on it reads. */
  private handOver(place: number): void {
    const prefix = this.prefix;
    this.dropKept();
    this.closeOpen();
    this.port!.postMessage({ place, offset: this.position, prefix }, prefix.map((p) => p.buffer));
    const control = this.ring!.control;
    Atomics.store(control, COMMAND, GO);
    Atomics.notify(control, COMMAND);
    this.mode = 'ring';
  }

  /** One chunk of `place` read here, hashed or kept for the thread; undefined at its end. */
  private readLocal(place: number): Buffer | undefined {
    const chunk = this.readAt(place, this.position);
    if (chunk === undefined) return undefined;
    this.position += chunk.length;
    if (this.mode === 'local') {
      this.hash?.update(chunk);
    } else if (this.mode === 'prefix') {
      this.prefix.push({ buffer: chunk.buffer as ArrayBuffer, length: chunk.length });
      this.kept += chunk.buffer.byteLength; // the whole buffer is kept, however little was read into it
      if (this.kept > this.keepLimit) this.hashKeptHere();
    }
    return chunk;
  }

  /** The thread did not start in time: hash what was kept here and read on alone. */
  private hashKeptHere(): void {
    this.stopThread();
    const hash = createHash('sha256');
    for (const p of this.prefix) hash.update(new Uint8Array(p.buffer, 0, p.length));
    this.dropKept();
    this.hash = hash;
    this.mode = 'local';
  }

  private async *localChunks(place: number, from: number): AsyncGenerator<Buffer> {
    for (let position = from; ;) {
      const chunk = this.readAt(place, position);
      if (chunk === undefined) return;
      position += chunk.length;
      yield chunk;
    }
  }

  /** Reads the chunk of `place` at `position` on this thread (into a new buffer); undefined at the end. */
  private readAt(place: number, position: number): Buffer | undefined {
    const path = this.paths[place]!;
    if (this.closed) throw new TrustError('GT_INPUT', 'was asked for after its reader was closed; read every input before close()', path);
    try {
      if (this.open?.place !== place) {
        this.closeOpen();
        this.open = { place, fd: openSync(path, 'r') };
      }
      const buffer = Buffer.allocUnsafeSlow(SLOT_BYTES);
      const n = readSync(this.open.fd, buffer, 0, SLOT_BYTES, position);
      return n === 0 ? undefined : n === SLOT_BYTES ? buffer : buffer.subarray(0, n);
    } catch (e) {
      throw cannotRead(path, e);
    }
  }

  private closeOpen(): void {
    const open = this.open;
    this.open = undefined;
    if (open) closeSync(open.fd);
  }

  /** The slots of `place`; goes on reading here from where it was if the order breaks meanwhile. */
  private async *ringChunks(place: number): AsyncGenerator<Buffer> {
    const { control, meta, views } = this.ring!;
    let offset = this.position;
    for (;;) {
      if (Atomics.load(control, WRITTEN) <= this.taken) await this.filled(this.taken, place);
      if (this.mode !== 'ring') {
        yield* this.localChunks(place, offset);
        return;
      }
      const slot = this.taken % SLOTS;
      const length = meta[2 * slot]!;
      if (length < 0) throw this.threadError(place);
      if (meta[2 * slot + 1] !== place) throw new Error(`read-ahead: slot of input ${meta[2 * slot + 1]} where input ${place} was expected`);
      if (length > 0) yield length === SLOT_BYTES ? views[slot]! : views[slot]!.subarray(0, length);
      offset += length;
      this.taken++;
      Atomics.store(control, CONSUMED, this.taken);
      if (this.taken % (SLOTS / 4) === 0) Atomics.notify(control, CONSUMED); // the thread waits only on a full ring
      if (length === 0) return;
    }
  }

  /** Waits until slot `index` is filled, or the order broke; throws when the thread died meanwhile. */
  private async filled(index: number, place: number): Promise<void> {
    const control = this.ring!.control;
    for (let seen = Atomics.load(control, WRITTEN); seen <= index && this.mode === 'ring'; seen = Atomics.load(control, WRITTEN)) {
      if (this.closed) throw new TrustError('GT_INPUT', 'was being read when its reader was closed; read every input before close()', this.paths[place]);
      if (this.died && Atomics.load(control, DONE) === 0) {
        this.breakOrder(); // killed or out of memory, not a read error: read on here, and hash the files again
        return;
      }
      await this.waitFor(WRITTEN, seen);
    }
  }

  /**
   * Waits, without blocking the event loop, for control word `index` to change from `value`, or
   * for ALIVE_CHECK_MS. A timer keeps Node's event loop running meanwhile: a pending
   * `Atomics.waitAsync` does not, and its own timeout starts only when the loop turns.
   */
  private async waitFor(index: number, value: number): Promise<void> {
    const wait = waitAsync(this.ring!.control, index, value, ALIVE_CHECK_MS);
    if (wait.async) await within(wait.value as Promise<string>, ALIVE_CHECK_MS);
  }

  private threadError(place: number): TrustError {
    const control = this.ring!.control;
    const text = Buffer.from(this.ring!.message, 0, Atomics.load(control, MESSAGE_LENGTH)).toString('utf8');
    return cannotRead(this.paths[place] ?? this.paths.join(', '), { code: text }, ' on the reader thread');
  }

  /** Read out of order: stop the thread, read here, no digest. */
  private breakOrder(): void {
    this.stopThread();
    this.mode = 'broken';
    this.dropKept();
    this.hash = undefined;
  }

  private dropKept(): void {
    this.prefix = [];
    this.kept = 0;
  }

  private stopThread(): void {
    if (!this.ring) return;
    const control = this.ring.control;
    Atomics.store(control, COMMAND, STOP);
    Atomics.notify(control, COMMAND);
    Atomics.notify(control, CONSUMED);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/** Waits for `promise` or `ms`, whichever comes first; the timer keeps Node's event loop running meanwhile. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const tick = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  try {
    await Promise.race([promise, tick]);
  } finally {
    clearTimeout(timer);
  }
}
