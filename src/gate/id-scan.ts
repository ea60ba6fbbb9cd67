/**
 * Finding the JSON lines that may name some ids without decoding or parsing every line: a split
 * evaluation (split.ts) reads the second part of the evidence once more for the incident ids the
 * first part kept in a window, and a full read would cost as much as reading the part at first.
 *
 * The bytes are searched as they are. The key "id" can be written only as `"id"` or with `\u0069`
 * or `\u0064` in it, so a line without `\u006` holds every `"id"` key as it is, and a line holds
 * an `"id"` key with a value in `ids` only where `"id"`, optional whitespace, `:`, whitespace and a
 * string of `ids` follow each other (the string decoded when it has an escape). `"id"` found inside
 * a longer string only costs a look. Every line with `\u006`, and every `"id"` key followed by
 * anything but a string, is handed on as it is (JSON.parse then decides). The lines handed on are a
 * superset of those that name an id, in no particular order, each whole.
 */
import type { EvidenceContext } from './evidence';
import { changedWhileRead, fileRangeSource } from './files';
import { parseInstant } from './instant';
import { clip, lineTooLong, MAX_LINE_CHARS, type Source } from './source';
import type { Segment } from './split-thread';

const NEWLINE = 10;
const BACKSLASH = 92;
const QUOTE = 34;
const COLON = 58;
const ID = Buffer.from('"id"');
/** How an escaped "i" (\\u0069) or "d" (\\u0064) begins: a line with it may hold the key "id" escaped. */
const MAY_SPELL_ID = Buffer.from('\\u006');
/** A line (in bytes) longer than this is not read: the main thread fails on it (MAX_LINE_CHARS characters). */
const MAX_LINE_BYTES = 4 * MAX_LINE_CHARS;

/** JSON whitespace within a line. */
function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** The bounds of the line of `region` holding byte `at`. */
function lineAt(region: Buffer, at: number): [number, number] {
  const end = region.indexOf(NEWLINE, at);
  return [region.lastIndexOf(NEWLINE, at) + 1, end === -1 ? region.length : end];
}

/**
 * Hands on each line of `region` (whole lines, without their newline) that may name one of `ids`;
 * `fileStart`: the region starts its file, whose byte-order mark is no part of the first line.
 */
function scanRegion(region: Buffer, ids: ReadonlyMap<string, unknown>, fileStart: boolean, onLine: (line: string) => void): void {
  const text = (start: number, end: number) => {
    const line = region.toString('utf8', start, end);
    return start === 0 && fileStart && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  };
  let whole: Set<number> | undefined; // the starts of the lines handed on for a \u006
  for (let b = region.indexOf(MAY_SPELL_ID); b !== -1 && ids.size > 0;) {
    const [start, end] = lineAt(region, b);
    (whole ??= new Set()).add(start);
    onLine(text(start, end));
    b = end >= region.length ? -1 : region.indexOf(MAY_SPELL_ID, end);
  }
  const escapes = region.indexOf(BACKSLASH) !== -1;
  for (let i = region.indexOf(ID); i !== -1 && ids.size > 0; i = region.indexOf(ID, i)) {
    let j = i + ID.length;
    i = j;
    while (isSpace(region[j])) j++;
    if (region[j] !== COLON) continue; // the value "id", or "id" inside a string
    do j++; while (isSpace(region[j]));
    const value = region[j] === QUOTE ? stringAt(region, j, escapes) : undefined;
    if (value !== undefined && !ids.has(value)) continue;
    const [start, end] = lineAt(region, j);
    i = end; // the next line
    if (!whole?.has(start)) onLine(text(start, end)); // else handed on above
  }
}

/** The string whose opening quote is at `at`, or undefined when it does not end in its line or cannot be decoded. */
function stringAt(region: Buffer, at: number, escapes: boolean): string | undefined {
  let close = region.indexOf(QUOTE, at + 1);
  let escaped = false;
  if (escapes) {
    for (; close !== -1; close = region.indexOf(QUOTE, close + 1)) {
      let k = close - 1;
      while (region[k] === BACKSLASH) k--;
      if ((close - 1 - k) % 2 === 0) break; // not itself escaped
    }
    for (let k = at + 1; k < close; k++) if (region[k] === BACKSLASH) escaped = true;
  }
  const lineEnd = region.indexOf(NEWLINE, at);
  if (close === -1 || (lineEnd !== -1 && close > lineEnd)) return undefined;
  if (!escaped) return region.toString('utf8', at + 1, close);
  try {
    return JSON.parse(region.toString('utf8', at, close + 1)) as string;
  } catch {
    return undefined;
  }
}

/** Where a source of linesNaming starts and ends in its file. */
export interface LinesNamingOptions {
  /** The source starts its file: a byte-order mark is no part of its first line. */
  readonly atFileStart: boolean;
  /** The source may end inside a line: bytes after its last newline are left out. */
  readonly cutLast: boolean;
}

/**
 * Calls `onLine` with each line of the plain-file `source` that may hold an `"id"` key with a
 * string value in `ids` (a superset; see above), until `ids` is empty. The bytes are not checked
 * (the main thread did): a line that is not JSON may be handed on.
 */
export async function linesNaming(source: Source, ids: ReadonlyMap<string, unknown>, options: LinesNamingOptions, onLine: (line: string) => void): Promise<void> {
  let pieces: Buffer[] = []; // the line cut across chunks, copied (the source reuses its buffer)
  let carried = 0;
  let fileStart = options.atFileStart; // until the first region is scanned
  const scan = (region: Buffer) => {
    scanRegion(region, ids, fileStart, onLine);
    fileStart = false;
  };
  for await (const chunk of source.chunks) {
    if (typeof chunk === 'string') throw new Error('linesNaming reads bytes');
    if (ids.size === 0) continue; // read through (the caller hashes it)
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    const newline = buffer.indexOf(NEWLINE);
    if (newline === -1) {
      carried += buffer.length;
      if (carried > MAX_LINE_BYTES) throw lineTooLong(source.name);
      pieces.push(Buffer.from(buffer));
      continue;
    }
    if (pieces.length > 0) {
      scan(Buffer.concat([...pieces, buffer.subarray(0, newline)]));
      pieces = [];
      carried = 0;
      start = newline + 1;
    }
    const last = buffer.lastIndexOf(NEWLINE);
    if (last > start || fileStart) scan(buffer.subarray(start, last));
    if (last + 1 < buffer.length) {
      carried = buffer.length - last - 1;
      pieces.push(Buffer.from(buffer.subarray(last + 1)));
    }
  }
  if (pieces.length > 0 && ids.size > 0 && !options.cutLast) scan(Buffer.concat(pieces));
}

/**
 * Which incidents the first part of a split kept (`first`) the second part holds a record of that
 * counts (of the agent, at or before now; in a window or not): those `counted` knows of, and those
 * `segments` name, read again for the others only. A segment that ends before its file ends, ends
 * inside the line it cuts (that line is left out: `counted` knows of it). A line read again that is
 * not a record means the file changed since the main thread read it.
 */
export async function replacedIds(first: ReadonlyMap<string, unknown>, counted: (id: string) => boolean, segments: readonly Segment[], context: EvidenceContext): Promise<Set<string>> {
  const replaced = new Set<string>();
  const sought = new Map<string, true>();
  for (const id of first.keys()) {
    if (counted(id)) replaced.add(id);
    else sought.set(id, true);
  }
  for (const s of segments) {
    if (sought.size === 0) break;
    try {
      await linesNaming(fileRangeSource(s.path, s.from, s.to), sought, { atFileStart: s.from === 0, cutLast: s.to !== undefined }, (line) => {
        const r = JSON.parse(line) as Record<string, unknown> | null;
        if (typeof r?.id !== 'string' || !sought.has(r.id) || r.type !== 'incident' || r.agent !== context.agent) return;
        if (typeof r.at === 'string' && parseInstant(r.at) <= context.nowMs) {
          sought.delete(r.id);
          replaced.add(r.id);
        }
      });
    } catch (e) {
      throw changedWhileRead(s.path, `read again, ${clip(e instanceof Error ? e.message : e, 200)}`);
    }
  }
  return replaced;
}
