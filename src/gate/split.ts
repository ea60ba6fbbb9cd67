/**
 * Evaluating large evidence on two threads: a second thread aggregates the first part of the
 * bytes while the main thread aggregates the rest, and the two are merged exactly as if one
 * reader had read everything in order (docs/gate.md, "Two threads").
 *
 * - The inputs are cut once, at a line start near `firstShare` of all evidence bytes. The first
 *   part is every file before the cut and the cut file up to it; the second is the rest. Only
 *   plain files are cut (gzip has no place to start in the middle), and only evidence of at least
 *   `fromBytes` in all: a thread costs about 50 ms to start.
 * - "The last record of an id wins" crosses the cut: an incident the first part kept in a window
 *   is dropped when the second part holds any counted record of its id (and that record counts as
 *   the duplicate it was). The main thread knows those in its own window map, and those of which
 *   it dropped a record once the thread said its part keeps incidents (it collects their ids from
 *   then on); it reads again only the bytes before that moment, and only the lines that name a
 *   sought id (id-scan.ts). For evidence in time order the first part keeps none (the windows are
 *   recent, the first part is old), so nothing is collected or read again.
 * - The thread hands on its part as soon as it has read it, then hashes the rest of every input.
 * - Sign-offs keep each person's first record (the first part's), closures the newest (the first
 *   part's on a tie); violations are recorded first part first, so each one's `where` is its first
 *   record, as when read in order.
 * - The first error in input order wins: the first part's, else the second's.
 * - A thread that fails to start or dies before it hands on its part makes the main thread read
 *   everything itself (at once when it says so; src/gate/split-worker.ts); one that dies while
 *   hashing leaves the digest to the caller.
 * - Lines of the cut file go on numbering from the cut: the main thread counts the newlines
 *   before it while the thread starts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { TrustError } from '../errors';
import type { Aggregates } from './decide';
import { aggregate, aggregationContext, emptyLedger, withAudit, type AggregateInput } from './evaluate';
import { EvidenceAggregator, evidenceAggregates } from './evidence';
import { cannotRead, fileSource, isGzipFile } from './files';
import { replacedIds } from './id-scan';
import { readSegments, type Segment } from './split-thread';
import { onThread, type FirstPartReader } from './split-worker';

/** Options of `planSplit`. */
export interface SplitOptions {
  /** Evidence smaller than this in all is read on one thread. Default 64 MiB. */
  readonly fromBytes?: number;
  /** About how much of the evidence bytes the second thread reads. Default 0.45 (it also starts later). */
  readonly firstShare?: number;
}

/** Where the evidence is cut. */
export interface SplitPlan {
  /** Read by the second thread. */
  readonly first: readonly Segment[];
  /** The cut file and the line start it is cut at: the second part begins there. */
  readonly cut: { readonly path: string; readonly at: number };
  /** The evidence files after the cut file. */
  readonly after: readonly string[];
}

const DEFAULT_FROM_BYTES = 64 * 1024 * 1024;
const DEFAULT_FIRST_SHARE = 0.45;
/** How far past the cut a newline is looked for; a longer line leaves the evidence uncut. */
const NEWLINE_SEARCH_BYTES = 1024 * 1024;
const COUNT_BYTES = 1024 * 1024;

/** The offset just after the first newline at or after `from`, or undefined within NEWLINE_SEARCH_BYTES. */
function lineStartAfter(path: string, from: number): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(NEWLINE_SEARCH_BYTES);
    const n = readSync(fd, buffer, 0, buffer.length, from);
    const i = buffer.subarray(0, n).indexOf(10);
    return i === -1 ? undefined : from + i + 1;
  } finally {
    closeSync(fd);
  }
}

/** The newlines in bytes [0, to) of `path`. */
export function newlinesBefore(path: string, to: number): number {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(COUNT_BYTES);
    let count = 0;
    for (let at = 0; at < to;) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, to - at), at);
      if (n === 0) break;
      at += n;
      for (let i = buffer.indexOf(10); i !== -1 && i < n; i = buffer.indexOf(10, i + 1)) count++;
    }
    return count;
  } finally {
    closeSync(fd);
  }
}

/**
 * Where to cut the evidence files `paths` (in reading order), or undefined to read them on one
 * thread: too small, gzip, not readable (the read reports it), or no line start near the cut.
 */
export function planSplit(paths: readonly string[], options: SplitOptions = {}): SplitPlan | undefined {
  try {
    const sizes = paths.map((p) => statSync(p).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total === 0 || total < (options.fromBytes ?? DEFAULT_FROM_BYTES) || paths.some((p) => isGzipFile(p))) return undefined;
    let rest = Math.floor(total * (options.firstShare ?? DEFAULT_FIRST_SHARE));
    let k = 0;
    while (k < paths.length - 1 && rest >= sizes[k]!) rest -= sizes[k++]!;
    const at = rest === 0 ? 0 : lineStartAfter(paths[k]!, rest - 1);
    return at === undefined ? undefined : cutAt(paths, k, at);
  } catch {
    return undefined; // the read reports it
  }
}

function cutAt(paths: readonly string[], k: number, at: number): SplitPlan {
  const path = paths[k]!;
  const first: Segment[] = paths.slice(0, k).map((p) => ({ path: p, from: 0, linesBefore: 0 }));
  if (at > 0) first.push({ path, from: 0, to: at, linesBefore: 0 });
  return { first, cut: { path, at }, after: paths.slice(k + 1) };
}

/** The second part's segments: counts the cut file's lines before the cut. */
function secondPart(plan: SplitPlan): Segment[] {
  const { path, at } = plan.cut;
  let linesBefore = 0;
  try {
    if (at > 0) linesBefore = newlinesBefore(path, at);
  } catch (e) {
    throw cannotRead(path, e);
  }
  return [{ path, from: at, linesBefore }, ...plan.after.map((p) => ({ path: p, from: 0, linesBefore: 0 }))];
}

/** Inputs of `aggregateSplit`: those of `aggregate`, with the evidence as file paths. */
export interface SplitInput extends Omit<AggregateInput, 'evidence'> {
  /** Evidence files, in reading order. */
  readonly evidence: readonly string[];
  /** The bytes of each chunk the main thread reads of the evidence (the second part). */
  readonly onBytes?: (bytes: number) => void;
  /**
   * Called once the second thread runs, as soon as the main thread sees it between two chunks:
   * starting a thread resets V8's flags, which the CLI sets again (cli/heap.ts).
   */
  readonly onThread?: () => void;
  /** Called when the second thread failed and the main thread read everything itself. */
  readonly onFallback?: (why: string) => void;
  /** Files read after the evidence, to hash with it for the evidence digest (the audit logs), in digest order. */
  readonly digestAlso?: readonly string[];
}

/** What `aggregateSplit` found. */
export interface SplitAggregates {
  readonly aggregates: Aggregates;
  /** `sha256:<hex>` of the evidence files then `digestAlso`, as `digestFiles`; undefined when the second thread failed. */
  readonly digest: string | undefined;
}

/**
 * `aggregate` over evidence files cut by `plan` (from `planSplit`), on two threads; the same
 * aggregates as reading them in order on one.
 * @example
 * const plan = planSplit(files);
 * const aggregates = plan ? (await aggregateSplit({ state, now, evidence: files }, plan)).aggregates : await aggregate({ state, now, evidence: files.map((f) => fileSource(f)) });
 */
export function aggregateSplit(input: SplitInput, plan: SplitPlan): Promise<SplitAggregates> {
  return aggregateParts(input, plan, onThread(input.onFallback));
}

/** Thrown to stop reading the second part when the thread failed. */
const THREAD_FAILED = new Error('the second thread failed');

/** `aggregateSplit` with the first part read by `readFirst` (tests read it on the main thread). */
export async function aggregateParts(input: SplitInput, plan: SplitPlan, readFirst: FirstPartReader): Promise<SplitAggregates> {
  const context = aggregationContext(input);
  const rest = [{ path: plan.cut.path, from: plan.cut.at, linesBefore: 0 }, ...plan.after.map((path) => ({ path, from: 0, linesBefore: 0 }))];
  const thread = readFirst({ context, acted: input.state.violationsActed ?? [], segments: plan.first, rest, digestAlso: input.digestAlso ?? [] });
  const ledger = emptyLedger(input.state, context);
  const aggregator = new EvidenceAggregator(context, ledger);
  // The main thread reads on without yielding to the event loop, so it looks for the thread's start between chunks.
  let told = false;
  const tell = () => {
    if (!told && (thread.started?.() ?? true)) {
      told = true;
      input.onThread?.();
    }
  };
  // Once the thread's part keeps incidents, this one collects the ids it drops: only the lines before are read again for theirs.
  let dropped: { ids: ReadonlySet<string>; segment: number; at: number } | undefined;
  let secondError: unknown;
  try {
    await readSegments(secondPart(plan), aggregator, (chunk, segment, at) => {
      tell();
      if (thread.failed?.()) throw THREAD_FAILED; // everything is read again on this thread
      if (dropped === undefined && thread.keeps?.()) dropped = { ids: aggregator.collectDropped(), segment, at };
      input.onBytes?.(chunk.length);
    });
  } catch (e) {
    secondError = e;
  }
  try {
    const first = await thread.part;
    if (first !== undefined) tell(); // it ran
    if (first === undefined) { // the thread failed: read everything here
      await thread.stop();
      const sequential: AggregateInput = { ...input, evidence: input.evidence.map((f) => fileSource(f, input.onBytes ? { onBytes: input.onBytes } : {})) };
      return { aggregates: await aggregate(sequential), digest: undefined };
    }
    if (secondError === THREAD_FAILED) throw new Error('the second thread said it failed, then handed on its part');
    if ('error' in first) throw new TrustError(first.error.code, first.error.message, first.error.where); // the first error in input order
    if (secondError !== undefined) throw secondError;
    const readAgain = dropped === undefined ? rest : [...rest.slice(0, dropped.segment), { ...rest[dropped.segment]!, to: dropped.at }];
    const kept = aggregator.partial().incidents;
    const counted = (id: string) => kept.has(id) || dropped?.ids.has(id) === true;
    aggregator.readAfter(first.partial, await replacedIds(first.partial.incidents, counted, readAgain, context));
    const merged = emptyLedger(input.state, context);
    merged.absorb(first.violations);
    merged.absorb(ledger.entries());
    return { aggregates: await withAudit(input, evidenceAggregates(aggregator.partial()), merged), digest: await thread.digest };
  } finally {
    await thread.stop();
  }
}
