/**
 * The first part of a split evaluation (split.ts), as run on its own thread: the evidence
 * aggregator over the first part's byte ranges hands back what it kept and its violations, then
 * the thread reads on through the rest of the inputs to hash them all for the evidence digest.
 */
import { createHash } from 'node:crypto';
import { TrustError, type ErrorCode } from '../errors';
import { EvidenceAggregator, type EvidenceContext, type EvidencePartial } from './evidence';
import { fileRangeSource, readThrough } from './files';
import { eachLine } from './source';
import { ViolationLedger, type LedgerEntry } from './violations';

/** A byte range of one input file: `from` is 0 or just after a newline. */
export interface Segment {
  readonly path: string;
  readonly from: number;
  /** Exclusive; the end of the file when undefined. */
  readonly to?: number;
  /** Lines of the file before `from`. */
  readonly linesBefore: number;
}

/** What the first part's thread is given. */
export interface FirstPartJob {
  readonly context: EvidenceContext;
  /** The state's `violationsActed`. */
  readonly acted: readonly string[];
  readonly segments: readonly Segment[];
  /** The evidence after the first part (the main thread's part), hashed after it. */
  readonly rest: readonly Segment[];
  /** The files hashed after the evidence for the digest (the audit logs), in digest order. */
  readonly digestAlso: readonly string[];
}

/** A TrustError taken apart, to cross a thread. */
export interface ErrorParts {
  readonly code: ErrorCode;
  readonly message: string;
  readonly where: string | undefined;
}

/** What the first part's thread hands back: what it kept, or the first error in it. */
export type FirstPartResult =
  | { readonly partial: EvidencePartial; readonly violations: readonly LedgerEntry[] }
  | { readonly error: ErrorParts };

/** The error as parts; rethrows anything that is not a TrustError. */
export function errorParts(e: unknown): ErrorParts {
  if (!(e instanceof TrustError)) throw e;
  const prefix = e.where === undefined ? '' : `${e.where}: `;
  return { code: e.code, message: e.message.slice(prefix.length), where: e.where };
}

/**
 * Streams `segments` into `aggregator`, in order; `onChunk` sees each chunk of bytes read (before
 * its lines are read), the index of its segment and the file offset it starts at.
 */
export async function readSegments(segments: readonly Segment[], aggregator: EvidenceAggregator, onChunk?: (chunk: Buffer, segment: number, at: number) => void): Promise<void> {
  for (const [i, s] of segments.entries()) {
    let at = s.from;
    const seen = onChunk && ((chunk: Buffer) => {
      onChunk(chunk, i, at);
      at += chunk.length;
    });
    await eachLine(fileRangeSource(s.path, s.from, s.to, seen), (line, n) => aggregator.line(line, s.path, n), s.linesBefore);
  }
}

/**
 * Reads the first part, hashing it, and hands on what it kept (or its first error, and stops);
 * then hashes `rest` and `digestAlso`. The digest, `sha256:<hex>` of every input in order.
 * `onKeeps` is called once, between two chunks or at the end, when the part keeps an incident in a window.
 */
export async function readFirstPart(job: FirstPartJob, onPart: (result: FirstPartResult) => void, onKeeps?: () => void): Promise<string | undefined> {
  const ledger = new ViolationLedger(new Set(job.acted), job.context.nowMs);
  const aggregator = new EvidenceAggregator(job.context, ledger);
  const hash = createHash('sha256');
  const update = (chunk: Buffer) => void hash.update(chunk);
  let keeps = false;
  const tellKeeps = () => {
    if (!keeps && aggregator.partial().incidents.size > 0) {
      keeps = true;
      onKeeps?.();
    }
  };
  try {
    await readSegments(job.segments, aggregator, (chunk) => {
      update(chunk);
      tellKeeps();
    });
  } catch (e) {
    onPart({ error: errorParts(e) });
    return undefined;
  }
  tellKeeps(); // kept in the last chunk: the main thread may still be reading
  onPart({ partial: aggregator.partial(), violations: ledger.entries() });
  for (const s of job.rest) readThrough(s.path, s.from, s.to, update);
  for (const path of job.digestAlso) readThrough(path, 0, undefined, update);
  return `sha256:${hash.digest('hex')}`;
}
