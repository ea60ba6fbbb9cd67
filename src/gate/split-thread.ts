/**
 * The first part of a split evaluation (split.ts), as run on its own thread: the evidence
 * aggregator over the first part's byte ranges, handing back what it kept and its violations.
 */
import { createHash } from 'node:crypto';
import { TrustError, type ErrorCode } from '../errors';
import { EvidenceAggregator, type EvidenceContext, type EvidencePartial } from './evidence';
import { fileRangeSource } from './files';
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
  /** The input bytes after the first part, to hash after it for the evidence digest (every input, in digest order); none for no digest. */
  readonly hashAfter?: readonly Segment[];
}

/** A TrustError taken apart, to cross a thread. */
export interface ErrorParts {
  readonly code: ErrorCode;
  readonly message: string;
  readonly where: string | undefined;
}

/** What the first part's thread hands back: what it kept, or the first error in it. */
export type FirstPartResult =
  | { readonly partial: EvidencePartial; readonly violations: readonly LedgerEntry[]; /** `sha256:<hex>` with `hashAfter`. */ readonly digest?: string }
  | { readonly error: ErrorParts };

/** The error as parts; rethrows anything that is not a TrustError. */
export function errorParts(e: unknown): ErrorParts {
  if (!(e instanceof TrustError)) throw e;
  const prefix = e.where === undefined ? '' : `${e.where}: `;
  return { code: e.code, message: e.message.slice(prefix.length), where: e.where };
}

/** Streams `segments` into `aggregator`, in order; `onChunk` sees each chunk of bytes read. */
export async function readSegments(segments: readonly Segment[], aggregator: EvidenceAggregator, onChunk?: (chunk: Buffer) => void): Promise<void> {
  for (const s of segments) {
    await eachLine(fileRangeSource(s.path, s.from, s.to, onChunk), (line, n) => aggregator.line(line, s.path, n), s.linesBefore);
  }
}

/** Reads the first part, hashing it and then `hashAfter`. */
export async function readFirstPart(job: FirstPartJob): Promise<FirstPartResult> {
  const ledger = new ViolationLedger(new Set(job.acted), job.context.nowMs);
  const aggregator = new EvidenceAggregator(job.context, ledger);
  const hash = job.hashAfter ? createHash('sha256') : undefined;
  const update = hash ? (chunk: Buffer) => void hash.update(chunk) : undefined;
  try {
    await readSegments(job.segments, aggregator, update);
    for (const s of job.hashAfter ?? []) for (const chunk of fileRangeSource(s.path, s.from, s.to, update).chunks as Iterable<Buffer>) void chunk;
  } catch (e) {
    return { error: errorParts(e) };
  }
  return { partial: aggregator.partial(), violations: ledger.entries(), ...(hash ? { digest: `sha256:${hash.digest('hex')}` } : {}) };
}
