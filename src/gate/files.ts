/**
 * Reading input files for the gate: streamed in chunks, and gunzipped when they are gzip
 * (CloudTrail delivers `.json.gz` to S3; rotated logs are often compressed).
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TrustError } from '../errors';
import type { Source } from './source';

/** Options of `fileSource`. */
export interface FileSourceOptions {
  /** Called with the number of file bytes of each chunk read (for progress). */
  readonly onBytes?: (bytes: number) => void;
  /** Called with each chunk of the file's bytes as read, in order (compressed bytes for gzip), e.g. to hash them. */
  readonly onChunk?: (chunk: Uint8Array) => void;
  /**
   * The file's bytes from elsewhere instead of reading the file here: a `ReadAhead`'s
   * `() => ahead.chunks(place)`. Gzip is still recognised by its first bytes; a chunk may be
   * reused once the next one is asked for (gzip input is copied before it is inflated).
   */
  readonly raw?: () => AsyncIterable<Buffer>;
}

const CHUNK_BYTES = 64 * 1024; // measured: faster than 1 MiB chunks for JSON lines

function isGzip(fd: number): boolean {
  const magic = Buffer.alloc(2);
  return readSync(fd, magic, 0, 2, 0) === 2 && gzipped(magic);
}

/** Whether the file starts with gzip's magic number. */
export function isGzipFile(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    return isGzip(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A plain file is read with synchronous reads: on a local file they return at once, and an
 * asynchronous stream spends about a tenth of the evaluation waiting for the thread pool
 * (measured). The evidence digest reads the file on its own thread meanwhile.
 */
function* plainChunks(fd: number, onRaw: ((chunk: Buffer) => void) | undefined): Generator<Buffer> {
  for (;;) {
    const buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    const n = readSync(fd, buffer, 0, CHUNK_BYTES, null);
    if (n === 0) return;
    const chunk = n === CHUNK_BYTES ? buffer : buffer.subarray(0, n);
    onRaw?.(chunk);
    yield chunk;
  }
}

/** One callback for each chunk of file bytes, or undefined when nobody listens. */
function rawListener(options: FileSourceOptions): ((chunk: Buffer) => void) | undefined {
  const { onBytes, onChunk } = options;
  if (!onBytes && !onChunk) return undefined;
  return (chunk) => {
    onChunk?.(chunk);
    onBytes?.(chunk.length);
  };
}

/** The GT_INPUT error for a file that cannot be opened or read: the path, and the cause's code. */
export function cannotRead(path: string, error: unknown, how = ''): TrustError {
  const e = error as NodeJS.ErrnoException;
  return new TrustError('GT_INPUT', `cannot be read${how} (${e.code ?? e.message ?? String(error)}); check the path`, path);
}

/** The error for an input that changed while the gate read it (`why`, when known, is what showed it). */
export function changedWhileRead(path: string, why?: string): TrustError {
  return new TrustError('GT_INPUT', `changed while the gate was reading it${why ? ` (${why})` : ''}, so the decision and its digest may not match it; run again once it is complete`, path);
}

/** Bytes that start with gzip's magic number. */
function gzipped(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
}

/** Bytes from `raw` (see FileSourceOptions.raw), inflated when they are gzip; `raw` is closed however this ends. */
async function* rawChunks(raw: AsyncIterable<Buffer>, onRaw: ((chunk: Buffer) => void) | undefined): AsyncGenerator<Buffer> {
  const bytes = raw[Symbol.asyncIterator]();
  try {
    let head: Buffer | undefined;
    for (let r = await bytes.next(); !r.done; r = await bytes.next()) { // gzip's two magic bytes may span chunks only at the very start
      if (head === undefined && r.value.length >= 2) {
        head = r.value;
        break;
      }
      head = Buffer.concat(head ? [head, r.value] : [r.value]); // a copy: asking for the next chunk frees this one
      if (head.length >= 2) break;
    }
    if (head === undefined) return;
    const first = head;
    const all = async function* (copy: boolean): AsyncGenerator<Buffer> {
      onRaw?.(first);
      yield copy ? Buffer.from(first) : first;
      for (let r = await bytes.next(); !r.done; r = await bytes.next()) {
        onRaw?.(r.value);
        yield copy ? Buffer.from(r.value) : r.value;
      }
    };
    if (!gzipped(first)) {
      yield* all(false);
      return;
    }
    const gunzip = pipeline(Readable.from(all(true)), createGunzip(), () => { /* errors surface through the iteration below */ });
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    await bytes.return?.(); // a read given up half-way (a bad record, a gzip error) ends the raw read too
  }
}

async function* chunks(path: string, options: FileSourceOptions): AsyncGenerator<Buffer> {
  const onRaw = rawListener(options);
  if (options.raw) {
    yield* rawChunks(options.raw(), onRaw);
    return;
  }
  const fd = openSync(path, 'r'); // first: a missing file fails here, before a stream can emit an unheard error
  try {
    if (!isGzip(fd)) {
      yield* plainChunks(fd, onRaw);
      return;
    }
  } finally {
    closeSync(fd);
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const gunzip = pipeline(raw, createGunzip(), () => { /* errors surface through the iteration below */ });
  if (onRaw) raw.on('data', (chunk: Buffer | string) => onRaw(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))); // pipe made it flowing: a second listener sees every chunk too
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * A file as a gate source. Errors reading it are GT_INPUT naming the file.
 * @example await evaluate({ state, now: new Date(), evidence: [fileSource('evidence.jsonl')] });
 */
export function fileSource(path: string, options: FileSourceOptions = {}): Source {
  return {
    name: path,
    chunks: {
      async *[Symbol.asyncIterator]() {
        try {
          yield* chunks(path, options);
        } catch (e) {
          if (e instanceof TrustError) throw e; // already names the file and the cause (a ReadAhead's read)
          const err = e as NodeJS.ErrnoException;
          if (err.code?.startsWith('Z_')) throw new TrustError('GT_INPUT', `is not a valid gzip file (${err.message}); check the path`, path);
          throw cannotRead(path, err);
        }
      },
    },
  };
}

/**
 * Bytes `from` (inclusive) to `to` (exclusive; the end of the file when undefined) of a plain
 * file, as a gate source named by the path. Nothing is gunzipped: split.ts reads ranges of plain
 * files only. One buffer is read into again and again, so a chunk is valid until the next one is
 * asked for (eachLine decodes each at once): fresh memory costs a page fault per 4 KiB.
 */
export function fileRangeSource(path: string, from: number, to?: number, onChunk?: (chunk: Buffer) => void): Source {
  return {
    name: path,
    chunks: {
      *[Symbol.iterator]() {
        let fd: number;
        try {
          fd = openSync(path, 'r');
        } catch (e) {
          throw cannotRead(path, e);
        }
        try {
          const buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);
          for (let at = from; to === undefined || at < to;) {
            let n: number;
            try {
              n = readSync(fd, buffer, 0, to === undefined ? CHUNK_BYTES : Math.min(CHUNK_BYTES, to - at), at);
            } catch (e) {
              throw cannotRead(path, e);
            }
            if (n === 0) return;
            at += n;
            const chunk = n === CHUNK_BYTES ? buffer : buffer.subarray(0, n);
            onChunk?.(chunk);
            yield chunk;
          }
        } finally {
          closeSync(fd);
        }
      },
    },
  };
}

/** Reads bytes `from` to `to` (the end when undefined) of the plain file `path` through, each chunk to `onChunk` (to hash them). */
export function readThrough(path: string, from: number, to: number | undefined, onChunk: (chunk: Buffer) => void): void {
  for (const chunk of fileRangeSource(path, from, to, onChunk).chunks as Iterable<Buffer>) void chunk;
}
