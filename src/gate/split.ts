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
 *   the duplicate it was). When the first part kept none, which is the case for evidence in time
 *   order (the windows are recent, the first part is old), nothing more is read. Otherwise the
 *   main thread reads the second part once more for those ids only.
 * - Sign-offs keep each person's first record (the first part's), closures the newest (the first
 *   part's on a tie); violations are recorded first part first, so each one's `where` is its first
 *   record, as when read in order.
 * - The first error in input order wins: the first part's, else the second's.
 * - A thread that fails to start or dies makes the main thread read everything itself.
 * - Lines of the cut file go on numbering from the cut: the main thread counts the newlines
 *   before it while the thread starts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TrustError } from '../errors';
import type { Aggregates } from './decide';
import { aggregate, aggregationContext, emptyLedger, withAudit, type AggregateInput } from './evaluate';
import { DOMAIN_SHIFT, EvidenceAggregator, evidenceAggregates, type EvidenceContext, type EvidencePartial } from './evidence';
import { cannotRead, fileRangeSource, fileSource, isGzipFile } from './files';
import { parseInstant } from './instant';
import { eachLine, isBlank } from './source';
import { readSegments, type FirstPartJob, type FirstPartResult, type Segment } from './split-thread';

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

/**
 * Merges what one aggregator kept with what another kept reading after it, given the incident
 * ids the second counted a record of (any of them; only the first part's window ids matter).
 */
export function mergeParts(first: EvidencePartial, second: EvidencePartial, secondIds: ReadonlySet<string>): EvidencePartial {
  const domains = [...second.domains];
  const index = new Map(domains.map((d, i) => [d, i]));
  const incidents = new Map(second.incidents);
  let replaced = 0;
  for (const [id, packed] of first.incidents) {
    if (secondIds.has(id)) {
      replaced++;
      continue;
    }
    const bits = packed % DOMAIN_SHIFT;
    const name = first.domains[(packed - bits) / DOMAIN_SHIFT]!;
    let i = index.get(name);
    if (i === undefined) {
      i = domains.push(name) - 1;
      index.set(name, i);
    }
    incidents.set(id, bits + i * DOMAIN_SHIFT);
  }
  const signers = new Map(first.signers);
  for (const [key, v] of second.signers) if (!signers.has(key)) signers.set(key, v);
  const closers = new Map(first.closers);
  for (const [key, v] of second.closers) {
    const had = closers.get(key);
    if (had === undefined || v.atMs > had.atMs) closers.set(key, v);
  }
  const a = first.counts;
  const b = second.counts;
  return {
    incidents, domains, signers, closers,
    counts: {
      records: a.records + b.records, otherAgents: a.otherAgents + b.otherAgents, future: a.future + b.future,
      duplicates: a.duplicates + b.duplicates + replaced, otherRevisions: a.otherRevisions + b.otherRevisions,
    },
  };
}

/** Which of `ids` the checked `segments` hold an incident record of, counted under `context`. */
async function incidentIdsIn(segments: readonly Segment[], context: EvidenceContext, ids: ReadonlyMap<string, unknown>): Promise<Set<string>> {
  const found = new Set<string>();
  for (const s of segments) {
    await eachLine(fileRangeSource(s.path, s.from, s.to), (line) => {
      if (line.length === 0 || (line.charCodeAt(0) !== 123 && isBlank(line))) return;
      const r = JSON.parse(line) as Record<string, unknown>; // read and checked once already
      if (r.type === 'incident' && r.agent === context.agent && ids.has(r.id as string) && parseInstant(r.at as string) <= context.nowMs) found.add(r.id as string);
    }, s.linesBefore);
  }
  return found;
}

// The thread's code first says it runs: by then starting it has reset V8's flags (see SplitInput.onThread).
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
Atomics.store(workerData.started, 0, 1);
if (workerData.register) require(workerData.register).register();
require(workerData.module).readFirstPart(workerData.job).then(
  (result) => parentPort.postMessage({ result }),
  (e) => parentPort.postMessage({ failed: String((e && e.stack) || e) }),
);
`;

/**
 * Reads the first part of a split somewhere: its result is undefined when that failed (the main
 * thread then reads everything); `started` tells, without waiting, whether a thread runs the code.
 */
export type FirstPartReader = (job: FirstPartJob) => {
  readonly result: Promise<FirstPartResult | undefined>;
  stop(): Promise<unknown>;
  started?(): boolean;
};

/** Reads the first part on a thread of its own; its result is undefined (with `onFallback` told why) when the thread fails. */
function onThread(onFallback: ((why: string) => void) | undefined): FirstPartReader {
  return (job) => startFirstPart(job, onFallback);
}

function startFirstPart(job: FirstPartJob, onFallback: ((why: string) => void) | undefined) {
  const typescript = __filename.endsWith('.ts'); // under the test runner: the thread loads the sources through tsx
  const started = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(THREAD, {
    eval: true,
    resourceLimits: { maxYoungGenerationSizeMb: 3 },
    workerData: { job, started, module: join(__dirname, `split-thread${typescript ? '.ts' : '.js'}`), register: typescript ? createRequire(__filename).resolve('tsx/cjs/api') : undefined },
  });
  let settled = false;
  const result = new Promise<FirstPartResult | undefined>((resolve) => {
    const fail = (why: string) => {
      if (!settled) onFallback?.(why);
      settled = true;
      resolve(undefined);
    };
    worker.once('message', (m: { result?: FirstPartResult; failed?: string }) => {
      if (!m.result) return fail(m.failed ?? 'no result');
      settled = true;
      resolve(m.result);
    });
    worker.once('error', (e) => fail(String(e)));
    worker.once('exit', (code) => fail(`exited with code ${code}`));
  });
  return { result, stop: () => worker.terminate(), started: () => Atomics.load(started, 0) === 1 };
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

/** `aggregateSplit` with the first part read by `readFirst` (tests read it on the main thread). */
export async function aggregateParts(input: SplitInput, plan: SplitPlan, readFirst: FirstPartReader): Promise<SplitAggregates> {
  const context = aggregationContext(input);
  const whole = (path: string): Segment => ({ path, from: 0, linesBefore: 0 });
  const hashAfter = [{ ...plan.cut, from: plan.cut.at, linesBefore: 0 }, ...plan.after.map(whole), ...(input.digestAlso ?? []).map(whole)];
  const thread = readFirst({ context, acted: input.state.violationsActed ?? [], segments: plan.first, hashAfter });
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
  let second: Segment[] = [];
  let secondError: unknown;
  try {
    second = secondPart(plan);
    await readSegments(second, aggregator, (chunk) => {
      tell();
      input.onBytes?.(chunk.length);
    });
  } catch (e) {
    secondError = e;
  }
  let first: FirstPartResult | undefined;
  try {
    first = await thread.result;
  } finally {
    await thread.stop();
  }
  if (first !== undefined) tell(); // it ran
  if (first === undefined || (secondError !== undefined && !(secondError instanceof TrustError))) {
    const sequential: AggregateInput = { ...input, evidence: input.evidence.map((f) => fileSource(f, input.onBytes ? { onBytes: input.onBytes } : {})) };
    if (first === undefined) return { aggregates: await aggregate(sequential), digest: undefined };
    throw secondError;
  }
  if ('error' in first) throw new TrustError(first.error.code, first.error.message, first.error.where);
  if (secondError !== undefined) throw secondError;
  const kept = first.partial;
  const secondIds = kept.incidents.size === 0 ? new Set<string>() : await incidentIdsIn(second, context, kept.incidents);
  const merged = emptyLedger(input.state, context);
  merged.absorb(first.violations);
  merged.absorb(ledger.entries());
  return { aggregates: await withAudit(input, evidenceAggregates(mergeParts(kept, aggregator.partial(), secondIds)), merged), digest: first.digest };
}

