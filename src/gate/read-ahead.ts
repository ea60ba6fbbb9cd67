/**
 * Reading the gate's input files on a second thread: `ReadAhead` opens the inputs, and a reader
 * thread reads their bytes into a ring of 64 KiB slots in shared memory and hashes them (the
 * evidence digest), while the main thread only decodes and evaluates. On a 10M-line file that
 * moves about 1.5 s of reading and SHA-256 off the evaluating thread (docs/gate.md, "Reading on a
 * second thread").
 *
 * - Inputs smaller than `threadFromBytes` in all are read and hashed on the main thread, as
 *   before: a thread costs about 50 ms of CPU and 30 MB to start.
 * - Until the thread has started, the main thread reads on its own and keeps what it read; it
 *   hands the thread those bytes (transferred, not copied) to hash first, and the place to go on
 *   from. Nothing waits for the thread to start. Past `prefixBytes` it stops waiting for the thread
 *   and reads and hashes everything itself.
 * - The inputs must be read whole, once each, in digest order (what `trust-gate evaluate` does).
 *   Read otherwise, the thread stops, every input is read on the main thread and `digest()` is
 *   undefined: the caller hashes the files again (`digestFiles`).
 * - A chunk is valid until the next one is asked for: the thread refills its slot after that.
 *   Keep a copy to hold on to it (fileSource does, for gzip input).
 * - Both threads read through the same file descriptors, opened here, so they read the same files.
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
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { TrustError } from '../errors';
import {
  COMMAND, CONSUMED, CONTROL_WORDS, DONE, GO, MESSAGE_BYTES, MESSAGE_LENGTH, READER_THREAD, READY, SLOT_BYTES, SLOTS, STOP, WRITTEN,
} from './read-ahead-thread';

/** Options of `ReadAhead`. */
export interface ReadAheadOptions {
  /** Inputs smaller than this in all are read on the main thread alone. Default 16 MiB. */
  readonly threadFromBytes?: number;
  /** The most the main thread reads while the thread starts; past it, it reads and hashes everything itself. Default 64 MiB. */
  readonly prefixBytes?: number;
}

const DEFAULT_THREAD_FROM_BYTES = 16 * 1024 * 1024;
const DEFAULT_PREFIX_BYTES = 64 * 1024 * 1024;
/** How often a waiting main thread checks that the reader thread is still alive, ms. */
const ALIVE_CHECK_MS = 100;

/**
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
}

/** Reads the inputs of one evaluation, on a second thread when they are large; see the module comment. */
export class ReadAhead {
  private readonly fds: number[] = [];
  private mode: Mode = 'local';
  private hash: Hash | undefined = createHash('sha256');
  private prefix: { buffer: ArrayBuffer; length: number }[] = [];
  private prefixBytes = 0;
  private readonly prefixLimit: number;
  /** The input to be read next, and where in it (main-thread reads). */
  private next = 0;
  private position = 0;
  private reading = false;
  private completed = 0;
  /** Ring slots taken so far. */
  private taken = 0;
  private ring: Ring | undefined;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private died: Error | undefined;
  private answer: string | undefined;
  private closed = false;

  /** Opens `paths` (the inputs, in digest order); errors are GT_INPUT naming the file. */
  constructor(private readonly paths: readonly string[], options: ReadAheadOptions = {}) {
    this.prefixLimit = options.prefixBytes ?? DEFAULT_PREFIX_BYTES;
    try {
      for (const path of paths) this.fds.push(open(path));
    } catch (e) {
      this.closeFiles();
      throw e;
    }
    const total = this.fds.reduce((sum, fd) => sum + fstatSync(fd).size, 0);
    if (total >= (options.threadFromBytes ?? DEFAULT_THREAD_FROM_BYTES)) this.startThread();
  }

  /** Who reads now, for diagnostics and tests: see `Mode`. */
  get reader(): Mode {
    return this.mode;
  }

  /** Resolves true once the reader thread runs, false when there is none or it failed to start (diagnostics, tests). */
  async threadRunning(): Promise<boolean> {
    if (!this.ring) return false;
    try {
      while (Atomics.load(this.ring.control, READY) === 0) await this.waitFor(READY, 0);
      return true;
    } catch {
      return false;
    }
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
        while (!whole) {
          if (this.mode === 'prefix' && Atomics.load(this.ring!.control, READY) === 1) this.handOver(place);
          if (this.mode === 'ring') {
            yield* this.ringChunks(place);
            whole = true;
          } else {
            const chunk = this.readLocal(place);
            if (chunk === undefined) whole = true;
            else yield chunk;
          }
        }
      }
      whole = true;
      if (this.mode !== 'broken') {
        this.completed++;
        this.next = place + 1;
        this.position = 0;
      }
    } finally {
      this.reading = false;
      if (!whole) this.breakOrder();
    }
  }

  /**
   * `sha256:<hex>` over every input's bytes in order, or undefined when they were not read whole,
   * once each, in order. Throws GT_INPUT when the reader thread failed.
   */
  async digest(): Promise<string | undefined> {
    if (this.answer !== undefined) return this.answer;
    if (this.mode === 'broken' || this.completed !== this.fds.length) return undefined;
    if (this.mode === 'prefix') this.hashPrefixHere();
    if (this.mode === 'local') {
      this.answer = `sha256:${this.hash!.digest('hex')}`;
      this.hash = undefined;
      return this.answer;
    }
    const control = this.ring!.control;
    while (Atomics.load(control, DONE) === 0) await this.waitFor(DONE, 0);
    if (Atomics.load(control, DONE) === 2) throw this.threadError(this.paths.length - 1);
    this.answer = `sha256:${Buffer.from(this.ring!.result).toString('hex')}`;
    return this.answer;
  }

  /** Stops the thread and closes the files. Call it in a `finally`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopThread();
    try {
      await this.worker?.terminate(); // before the files close: the thread reads through their descriptors
    } finally {
      this.closeFiles();
    }
  }

  private startThread(): void {
    try {
      const ring = new Ring();
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(READER_THREAD, {
        eval: true,
        workerData: { control: ring.control.buffer, meta: ring.meta.buffer, data: ring.data, result: ring.result, message: ring.message, fds: this.fds, port: port2 },
        transferList: [port2],
      });
      worker.on('error', (e) => { this.died = e; });
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

  /** Gives the thread the bytes read so far and where to go on; from now on it reads. */
  private handOver(place: number): void {
    const prefix = this.prefix;
    this.prefix = [];
    this.port!.postMessage({ place, offset: this.position, prefix }, prefix.map((p) => p.buffer));
    const control = this.ring!.control;
    Atomics.store(control, COMMAND, GO);
    Atomics.notify(control, COMMAND);
    this.mode = 'ring';
  }

  /** One chunk of `place` read here, hashed or kept for the thread; undefined at its end. */
  private readLocal(place: number): Buffer | undefined {
    const buffer = Buffer.allocUnsafeSlow(SLOT_BYTES);
    const n = readAt(this.fds[place]!, buffer, this.position, this.paths[place]!);
    if (n === 0) return undefined;
    this.position += n;
    const chunk = n === SLOT_BYTES ? buffer : buffer.subarray(0, n);
    if (this.mode === 'local') {
      this.hash?.update(chunk);
    } else if (this.mode === 'prefix') {
      this.prefix.push({ buffer: buffer.buffer as ArrayBuffer, length: n });
      this.prefixBytes += n;
      if (this.prefixBytes > this.prefixLimit) this.hashPrefixHere();
    }
    return chunk;
  }

  /** The thread did not start in time: hash what was kept here and read on alone. */
  private hashPrefixHere(): void {
    this.stopThread();
    const hash = createHash('sha256');
    for (const p of this.prefix) hash.update(new Uint8Array(p.buffer, 0, p.length));
    this.prefix = [];
    this.hash = hash;
    this.mode = 'local';
  }

  private async *localChunks(place: number, from: number): AsyncGenerator<Buffer> {
    for (let position = from; ;) {
      const buffer = Buffer.allocUnsafeSlow(SLOT_BYTES);
      const n = readAt(this.fds[place]!, buffer, position, this.paths[place]!);
      if (n === 0) return;
      position += n;
      yield n === SLOT_BYTES ? buffer : buffer.subarray(0, n);
    }
  }

  private async *ringChunks(place: number): AsyncGenerator<Buffer> {
    const { control, meta, views } = this.ring!;
    for (;;) {
      if (Atomics.load(control, WRITTEN) <= this.taken) await this.filled(this.taken);
      const slot = this.taken % SLOTS;
      const length = meta[2 * slot]!;
      if (length < 0) throw this.threadError(place);
      if (meta[2 * slot + 1] !== place) throw new Error(`read-ahead: slot of input ${meta[2 * slot + 1]} where input ${place} was expected`);
      if (length > 0) yield length === SLOT_BYTES ? views[slot]! : views[slot]!.subarray(0, length);
      this.taken++;
      Atomics.store(control, CONSUMED, this.taken);
      if (this.taken % (SLOTS / 4) === 0) Atomics.notify(control, CONSUMED); // the thread waits only on a full ring
      if (length === 0) return;
    }
  }

  /** Waits until slot `index` is filled; throws when the thread died meanwhile. */
  private async filled(index: number): Promise<void> {
    const control = this.ring!.control;
    for (let seen = Atomics.load(control, WRITTEN); seen <= index; seen = Atomics.load(control, WRITTEN)) await this.waitFor(WRITTEN, seen);
  }

  /** Waits (without blocking the event loop) for control word `index` to change from `value`, or a while. */
  private async waitFor(index: number, value: number): Promise<void> {
    if (this.died && Atomics.load(this.ring!.control, DONE) === 0) throw this.threadError(this.next, this.died.message);
    const wait = waitAsync(this.ring!.control, index, value, ALIVE_CHECK_MS);
    if (!wait.async) return;
    const alive = setTimeout(() => {}, ALIVE_CHECK_MS + 10); // a pending waitAsync alone does not keep Node's event loop running
    try {
      await wait.value;
    } finally {
      clearTimeout(alive);
    }
  }

  private threadError(place: number, reason?: string): Error {
    const control = this.ring!.control;
    const text = reason ?? Buffer.from(this.ring!.message, 0, Atomics.load(control, MESSAGE_LENGTH)).toString('utf8');
    return Object.assign(new Error(`${text} (reading ${this.paths[place] ?? 'the inputs'} on the reader thread)`), { code: /^E[A-Z]+$/.test(text) ? text : undefined });
  }

  /** Read out of order: stop the thread, read here, no digest. */
  private breakOrder(): void {
    this.stopThread();
    this.mode = 'broken';
    this.prefix = [];
    this.hash = undefined;
  }

  private stopThread(): void {
    if (!this.ring) return;
    const control = this.ring.control;
    Atomics.store(control, COMMAND, STOP);
    Atomics.notify(control, COMMAND);
    Atomics.notify(control, CONSUMED);
  }

  private closeFiles(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}

function open(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`, path);
  }
}

function readAt(fd: number, buffer: Buffer, position: number, path: string): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, position);
  } catch (e) {
    throw new TrustError('GT_INPUT', `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`, path);
  }
}
