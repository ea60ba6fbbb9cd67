/**
 * What the audit-log readers share: the denial they report, their error, and a streaming reader
 * for logs that are JSON lines, a JSON array of records, or a `{"Records": [...]}` document.
 */
import { TrustError } from '../../errors';
import { clip, decodeOrFail, eachLine, isBlank, lineTooLong, MAX_LINE_CHARS, shown, Utf8Decoder, type Source } from '../source';

/** A request denied to the agent's own identity: a scope violation. */
export interface AuditDenial {
  /** The request's identity (log kind and request id); the same request logged twice is one violation. */
  readonly identity: string;
  readonly atMs: number;
  /** What was denied, e.g. `create apps/deployments web in shop: forbidden by authorization`. */
  readonly detail: string;
  /** `FILE:LINE`. */
  readonly where: string;
}

/** How much a reader read. */
export interface AuditReadCounts {
  /** Records (events, entries) read. */
  readonly records: number;
  /** Denials to the agent's identity, before dropping repeats of the same request. */
  readonly denials: number;
}

/** A GT_AUDIT_INVALID error at `FILE:LINE`. */
export function auditError(where: string, message: string): TrustError {
  return new TrustError('GT_AUDIT_INVALID', message, where);
}

/** `JSON.parse` of one record; errors name `FILE:LINE` and say what each record must be. */
export function parseRecord(text: string, where: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw auditError(where, `not valid JSON (${clip((e as Error).message, 200)}); expected ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw auditError(where, `is ${shown(value)}; expected ${what}`);
  return value as Record<string, unknown>;
}

/** The object at `obj.a.b.c`, or undefined when any step is not an object. */
export function pathOf(obj: unknown, ...keys: string[]): unknown {
  let v = obj;
  for (const k of keys) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** Calls `onLine` with each non-blank line of a JSON-lines log. */
export function eachJsonLine(source: Source, onLine: (line: string, where: () => string) => void): Promise<number> {
  return eachLine(source, (line, n) => {
    if (!isBlank(line)) onLine(line, () => `${source.name}:${n}`);
  });
}

const WRAPPER = /^\s*\{\s*"Records"\s*:\s*\[/;
const CLASSIFY_CHARS = 4096;

/**
 * Calls `onRecord` with the text of each record of a log that is JSON lines, a JSON array of
 * records, or one `{"Records": [...]}` object (a CloudTrail file as delivered to S3), without
 * holding more than one record in memory. Array records are cut out by a scanner that tracks
 * strings and nesting; `JSON.parse` then checks each record.
 */
export async function eachJsonRecord(source: Source, what: string, onRecord: (text: string, where: () => string) => void): Promise<void> {
  const iterator = (Symbol.asyncIterator in source.chunks
    ? (source.chunks as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]()
    : (source.chunks as Iterable<Uint8Array | string>)[Symbol.iterator]()) as AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>;
  const decoder = new Utf8Decoder();
  let head = '';
  let headLines = 1;
  let scanner: ArrayScanner | undefined;
  const next = async (): Promise<string | undefined> => {
    const r = await iterator.next();
    const line = scanner ? scanner.lineNumber : headLines;
    if (r.done) {
      decodeOrFail(decoder, undefined, source.name, line);
      return undefined;
    }
    const text = decodeOrFail(decoder, r.value, source.name, line);
    if (!scanner) for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) headLines++;
    return text;
  };
  let ended = false;
  while (head.trimStart().length < CLASSIFY_CHARS) {
    const text = await next();
    if (text === undefined) {
      ended = true;
      break;
    }
    head += text;
  }
  if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
  const rest = async function* (): AsyncGenerator<string> {
    yield head;
    if (ended) return;
    for (let text = await next(); text !== undefined; text = await next()) yield text;
  };
  const first = head.trimStart()[0];
  if (first !== '[' && !WRAPPER.test(head)) {
    await eachJsonLine({ name: source.name, chunks: rest() }, onRecord);
    return;
  }
  scanner = new ArrayScanner(first === '[' ? 1 : 2, source.name, what, onRecord);
  for await (const text of rest()) scanner.scan(text);
  scanner.end();
}

/** Cuts the records out of `[...]` or `{"Records": [...]}`, across chunk boundaries. */
class ArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private recordLine = 0;
  /** Parts of the record being cut, from earlier chunks. */
  private parts: string[] = [];
  private partial = 0;
  private collecting = false;
  private closed = false;

  constructor(
    /** Nesting depth of the records: 1 in an array, 2 in `{"Records": [...]}`. */
    private readonly recordDepth: number,
    private readonly name: string,
    private readonly what: string,
    private readonly onRecord: (text: string, where: () => string) => void,
  ) {}

  /** The line the scanner has reached. */
  get lineNumber(): number {
    return this.line;
  }

  scan(text: string): void {
    let start = this.collecting ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
        else if (c === 10) this.line++;
        continue;
      }
      if (c === 10) {
        this.line++;
      } else if (c === 34) {
        this.inString = true;
        if (this.depth === this.recordDepth && !this.collecting && !this.closed) this.notAnObject();
      } else if (c === 123 || c === 91) {
        if (this.depth === this.recordDepth && !this.closed) {
          if (c !== 123) this.notAnObject();
          this.collecting = true;
          this.recordLine = this.line;
          start = i;
        }
        this.depth++;
      } else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === this.recordDepth && this.collecting) {
          if (this.partial + i + 1 - start > MAX_LINE_CHARS) throw lineTooLong(`${this.name}:${this.recordLine}`);
          const record = this.parts.length > 0 ? this.parts.join('') + text.slice(start, i + 1) : text.slice(start, i + 1);
          this.parts = [];
          this.partial = 0;
          this.collecting = false;
          const line = this.recordLine;
          this.onRecord(record, () => `${this.name}:${line}`);
        } else if (this.depth === this.recordDepth - 1) {
          this.closed = true; // the records array ended; anything after it is not a record
        }
      } else if (this.depth === this.recordDepth && !this.collecting && !this.closed && c !== 32 && c !== 9 && c !== 13 && c !== 44) {
        this.notAnObject();
      }
    }
    if (this.collecting) {
      this.partial += text.length - start;
      if (this.partial > MAX_LINE_CHARS) throw lineTooLong(`${this.name}:${this.recordLine}`);
      this.parts.push(text.slice(start));
    }
  }

  end(): void {
    if (this.depth !== 0 || this.inString) {
      throw auditError(`${this.name}:${this.line}`, `the file ends inside a JSON value (truncated?); expected ${this.what}`);
    }
  }

  private notAnObject(): never {
    throw auditError(`${this.name}:${this.line}`, `holds a record that is not a JSON object; expected ${this.what}`);
  }
}
