/**
 * Sources of text for the gate (evidence files, audit logs) and the line splitter every
 * JSON-lines reader uses.
 *
 * Bytes are decoded strictly: a byte sequence that is not UTF-8 stops the read with
 * `FILE:LINE` (a lenient decoder turns it into U+FFFD, which merges two ids or hides an agent's
 * name). The splitter cuts lines with `indexOf('\n')` in each new chunk only, so a line spread
 * over many chunks costs time linear in its length, and it calls back synchronously, so a line
 * costs no promise. A line longer than `MAX_LINE_CHARS` is an error. Memory holds one chunk and
 * one partial line.
 */
import { isUtf8 } from 'node:buffer';
import { TrustError } from '../errors';

/** A named stream of text: an evidence file or an audit log. */
export interface Source {
  /** Shown in errors as `NAME:LINE`; usually the file path. */
  readonly name: string;
  /**
   * The content in chunks of any size and boundary: a file stream, or an array of strings in
   * tests. Byte chunks are decoded as UTF-8, strictly; do not mix bytes and strings in one source.
   */
  readonly chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
}

/** A source over text held in memory. */
export function textSource(name: string, text: string): Source {
  return { name, chunks: [text] };
}

/**
 * The longest line (or record of a JSON array) the readers accept: 64 MiB of text. JSON.parse of
 * a line that long takes about a second; a longer one is almost certainly not JSON lines.
 */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** The error for a line longer than `MAX_LINE_CHARS`. */
export function lineTooLong(where: string): TrustError {
  return new TrustError('GT_INPUT', `a line is longer than ${MAX_LINE_CHARS / 1024 / 1024} MiB (${MAX_LINE_CHARS} characters), the most the gate reads; ` +
    'each line must be one JSON record: check that the file is JSON lines, or split the record', where);
}

/** A byte sequence that is not UTF-8, at `offset` of the bytes a `write` call decoded; `valid` is the text before it. */
class InvalidUtf8 extends Error {
  constructor(readonly offset: number, readonly newlinesBefore: number, readonly byte: number | undefined, readonly valid = '') {
    super('invalid UTF-8');
  }
}

/** Where the first invalid sequence of `bytes` starts (bytes known to hold one). */
function firstInvalid(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length || !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

function newlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Bytes of a character cut at the end of `bytes`: where it starts, or `bytes.length` when none is cut. */
function cutCharacter(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + length > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/**
 * A strict streaming UTF-8 decoder: `write` returns the text of the complete characters so far
 * and keeps a character cut at the end of a chunk for the next one; invalid bytes throw.
 */
export class Utf8Decoder {
  private pending: Uint8Array | undefined;

  /** Decodes a chunk; throws InvalidUtf8 (see `decodeOrFail`) on bytes that are not UTF-8. */
  write(chunk: Uint8Array): string {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.pending) {
      bytes = Buffer.concat([this.pending, bytes]);
      this.pending = undefined;
    }
    const cut = cutCharacter(bytes);
    if (cut < bytes.length) this.pending = Uint8Array.prototype.slice.call(bytes, cut);
    const whole = cut < bytes.length ? bytes.subarray(0, cut) : bytes;
    if (!isUtf8(whole)) {
      const at = firstInvalid(whole);
      throw new InvalidUtf8(at, newlines(whole, at), whole[at], whole.subarray(0, at).toString('utf8'));
    }
    return whole.toString('utf8');
  }

  /** Checks that the input did not end inside a character. */
  end(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) throw new InvalidUtf8(0, 0, pending[0]);
  }
}

/**
 * Decodes a chunk with `decoder` (strings pass as they are); an invalid byte is a GT_INPUT error
 * naming `NAME:LINE`, where `line` is the line the chunk starts in.
 */
export function decodeOrFail(decoder: Utf8Decoder, chunk: Uint8Array | string | undefined, name: string, line: number): string {
  try {
    if (chunk === undefined) {
      decoder.end();
      return '';
    }
    return typeof chunk === 'string' ? chunk : decoder.write(chunk);
  } catch (e) {
    if (!(e instanceof InvalidUtf8)) throw e;
    throw utf8Error(e, chunk === undefined, name, line);
  }
}

/** The GT_INPUT error for bytes that are not UTF-8, in a chunk that starts in line `line`. */
function utf8Error(e: InvalidUtf8, atEnd: boolean, name: string, line: number): TrustError {
  const byte = e.byte === undefined ? '' : ` (byte 0x${e.byte.toString(16).padStart(2, '0')})`;
  const what = atEnd ? `ends inside a UTF-8 character${byte}` : `is not valid UTF-8${byte}`;
  return new TrustError('GT_INPUT', `${what}; the gate reads UTF-8 only: re-encode the file (e.g. iconv -f latin1 -t utf-8) or find what wrote these bytes`,
    `${name}:${line + e.newlinesBefore}`);
}

/** A chunk's text; for bytes that are not UTF-8, the text before them and the error to throw once its lines are read. */
function decodeLines(decoder: Utf8Decoder, chunk: Uint8Array | string, name: string, line: number): { text: string; error?: TrustError } {
  if (typeof chunk === 'string') return { text: chunk };
  try {
    return { text: decoder.write(chunk) };
  } catch (e) {
    if (!(e instanceof InvalidUtf8)) throw e;
    return { text: e.valid, error: utf8Error(e, false, name, line) };
  }
}

/**
 * Calls `onLine` with each line of `source` (without its `\n`) and its 1-based number. A
 * leading byte-order mark is dropped; `\r` before `\n` is left to the caller (JSON.parse treats
 * it as whitespace). Returns the number of lines. Throws GT_INPUT naming `NAME:LINE` for bytes
 * that are not UTF-8 and for a line longer than `MAX_LINE_CHARS`.
 *
 * A source that is the rest of a file from a line's start on (see split.ts) passes the lines
 * before it as `linesBefore`: numbers go on from there (so does the number returned), and no
 * byte-order mark is dropped.
 */
export async function eachLine(source: Source, onLine: (line: string, lineNumber: number) => void, linesBefore = 0): Promise<number> {
  const decoder = new Utf8Decoder();
  const name = source.name;
  let parts: string[] = []; // the line cut across chunks, in pieces: joined once, when it ends
  let partial = 0;
  let lineNumber = linesBefore;
  let first = linesBefore === 0;
  for await (const chunk of source.chunks) {
    // Lines before a byte that is not UTF-8 are read first: an error in one of them comes first.
    const decoded = decodeLines(decoder, chunk, name, lineNumber + 1);
    let text = decoded.text;
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = 0;
    let end = text.indexOf('\n');
    if (end !== -1 && partial > 0) {
      if (partial + end > MAX_LINE_CHARS) throw lineTooLong(`${name}:${lineNumber + 1}`);
      parts.push(text.slice(0, end));
      const line = parts.join('');
      parts = [];
      partial = 0;
      onLine(line, ++lineNumber);
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    while (end !== -1) {
      if (end - start > MAX_LINE_CHARS) throw lineTooLong(`${name}:${lineNumber + 1}`);
      onLine(text.slice(start, end), ++lineNumber);
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    if (decoded.error) throw decoded.error;
    if (start < text.length) {
      partial += text.length - start;
      if (partial > MAX_LINE_CHARS) throw lineTooLong(`${name}:${lineNumber + 1}`);
      parts.push(start === 0 ? text : text.slice(start));
    }
  }
  decodeOrFail(decoder, undefined, name, lineNumber + 1);
  if (partial > 0) onLine(parts.length === 1 ? parts[0]! : parts.join(''), ++lineNumber);
  return lineNumber;
}

/** True for a line holding only whitespace (skipped by every JSON-lines reader). */
export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

const SHOWN_CHARS = 60;

/** A scalar as JSON, a string cut to `room` characters first. */
function scalar(value: unknown, room: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > room ? value.slice(0, room) : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

/**
 * The start of `value` as JSON, about `limit` characters: written iteratively and stopped at the
 * limit, so a value nested a million levels deep or holding a 50 MiB string costs no more than
 * a small one (JSON.stringify would recurse, and copy all of it).
 */
export function excerpt(value: unknown, limit: number): string {
  type Frame = { readonly close: string; readonly next: () => [string | undefined, unknown] | undefined; first: boolean };
  const stack: Frame[] = [];
  let out = '';
  let pending: [unknown] | undefined = [value];
  while (out.length < limit) {
    if (pending) {
      const [v] = pending;
      pending = undefined;
      if (v === null || typeof v !== 'object') {
        out += scalar(v, limit - out.length);
      } else if (Array.isArray(v)) {
        out += '[';
        let i = 0;
        stack.push({ close: ']', first: true, next: () => (i < v.length ? [undefined, v[i++]] : undefined) });
      } else {
        out += '{';
        const keys = Object.keys(v);
        let i = 0;
        stack.push({ close: '}', first: true, next: () => (i < keys.length ? [keys[i], (v as Record<string, unknown>)[keys[i++]!]] : undefined) });
      }
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) break;
    const item = top.next();
    if (!item) {
      out += top.close;
      stack.pop();
      continue;
    }
    if (!top.first) out += ',';
    top.first = false;
    if (item[0] !== undefined) out += `${scalar(item[0], limit - out.length)}:`;
    pending = [item[1]];
  }
  return out;
}

/** A value as an error message shows it: JSON, shortened to 60 characters; `missing` for undefined. */
export function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = excerpt(value, SHOWN_CHARS + 1);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

/** Text for a report: a string cut to `limit` characters (with `...`), anything else as `shown`. */
export function clip(value: unknown, limit = 300): string {
  if (typeof value !== 'string') return shown(value);
  return value.length > limit ? `${value.slice(0, limit - 3)}...` : value;
}
