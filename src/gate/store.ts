/**
 * All of an agent's evidence up to a time, read once and kept in columns, so a backtest can ask
 * "what would the aggregates have been at time t, for this state" for every day without reading
 * the evidence again.
 *
 * Records are checked by the same `EvidenceReader` as every evaluation. Incidents are kept as
 * typed-array columns in input order (time, interned id, phase, interned domain, outcome bits,
 * interned revision) with an index sorted by time; sign-offs, closures and scope violations as
 * short lists. `aggregatesAt` follows the evaluation's rules exactly (the aggregator and the
 * store share `windowBits` and `countsAsSignoff`): an incident counts by its last record in input
 * order among the records at or before t.
 */
import type { Phase } from '../phase/table';
import type { StateFile } from '../state/schema';
import type { AuditDenial } from './audit/read';
import { auditIdentities, readAudit, type AuditInput } from './evaluate';
import { identityKey } from './identity';
import { eachLine, type Source } from './source';
import {
  countsAsSignoff, EvidenceReader, IN_PHASE_WINDOW, IN_RECENT_WINDOW, keep, OTHER_REVISION, OutcomeTally, people, windowBits,
  type EvidenceAggregates, type EvidenceContext, type InvestigationClosed, type PersonRecord, type ReaderContext,
} from './evidence';
import { violationDigest, type Violation, type ViolationSummary } from './violations';
import { formatInstant } from './instant';
import type { Transition } from './policy';

/** A growable column of numbers. */
class Column<T extends Float64Array | Int32Array | Uint8Array> {
  length = 0;
  constructor(public values: T, private readonly make: (n: number) => T) {}

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = this.make(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
}

const INITIAL = 1024;
const column = {
  f64: () => new Column(new Float64Array(INITIAL), (n) => new Float64Array(n)),
  i32: () => new Column(new Int32Array(INITIAL), (n) => new Int32Array(n)),
  u8: () => new Column(new Uint8Array(INITIAL), (n) => new Uint8Array(n)),
};

/** Interns strings as small integers. */
class Interner {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  find(name: string | undefined): number {
    return name === undefined ? -1 : this.index.get(name) ?? -2;
  }
}

interface Signoff { readonly person: PersonRecord; readonly atMs: number; readonly transition: Transition; readonly revision: string | undefined }
interface Closure { readonly closure: InvestigationClosed; readonly atMs: number }
type StoredViolation = Violation & { readonly atMs: number };

/** The first index of sorted `times` (through `order`) at or after `ms`. */
function lowerBound(times: Float64Array, order: Uint32Array, count: number, ms: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[order[mid]!]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every checked record of one agent at or before `nowMs` of its context (the end of a
 * backtest). Feed evidence with `line` and audit denials with `denial`, then `seal`, then ask
 * `aggregatesAt` for times in increasing order.
 */
export class EvidenceStore extends EvidenceReader {
  private readonly times = column.f64();
  private readonly ids = column.i32();
  private readonly phases = column.u8();
  private readonly domainOf = column.i32();
  private readonly outcomes = column.i32();
  private readonly revisionOf = column.i32();
  private readonly idNames = new Interner();
  private readonly domains = new Interner();
  private readonly revisions = new Interner();
  private readonly signoffs: Signoff[] = [];
  private readonly closures: Closure[] = [];
  private readonly violationList: StoredViolation[] = [];
  private readonly violationSeen = new Set<string>();
  private order = new Uint32Array(0);
  private best = new Int32Array(0);
  private active = 0;
  private lastAskedMs = -Infinity;

  constructor(reader: ReaderContext) {
    super(reader);
  }

  protected counted(id: string, atMs: number, phase: Phase, domain: string, bits: number, revision: string | undefined): void {
    this.times.push(atMs);
    this.ids.push(this.idNames.of(id));
    this.phases.push(phase);
    this.domainOf.push(this.domains.of(domain));
    this.outcomes.push(bits);
    this.revisionOf.push(revision === undefined ? -1 : this.revisions.of(revision));
  }

  protected signedOff(person: PersonRecord, atMs: number, transition: Transition, revision: string | undefined): void {
    this.signoffs.push({ person, atMs, transition, revision });
  }

  protected violated(identity: string, atMs: number, source: string, detail: string, where: string): void {
    if (atMs > this.reader.nowMs) return;
    const digest = violationDigest(identity);
    if (this.violationSeen.has(digest)) return;
    this.violationSeen.add(digest);
    this.violationList.push({ digest, atMs, at: formatInstant(atMs), source, detail, where });
  }

  protected closedInvestigation(closure: InvestigationClosed, atMs: number): void {
    this.closures.push({ closure, atMs });
  }

  /** Adds a denial from an audit log (`source` its kind) as a scope violation. */
  denial(d: AuditDenial, source: string): void {
    this.violated(d.identity, d.atMs, source, d.detail, d.where);
  }

  /** Ends reading: sorts the incidents and violations by time (stable: input order breaks ties). */
  seal(): void {
    const n = this.times.length;
    const times = this.times.values;
    const order = new Uint32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (i > 0 && times[i]! < times[i - 1]!) sorted = false;
    }
    if (!sorted) order.sort((a, b) => times[a]! - times[b]! || a - b); // evidence is usually written in time order: then no sort
    this.order = order;
    this.best = new Int32Array(this.idNames.names.length).fill(-1);
    this.violationList.sort((a, b) => a.atMs - b.atMs || (a.digest < b.digest ? -1 : 1));
  }

  /** Digests of the violations at or before `ms` (what a backtest starting at `ms` takes as acted on). */
  violationsUntil(ms: number): string[] {
    return this.violationList.filter((v) => v.atMs <= ms).map((v) => v.digest);
  }

  /** How many records were read. */
  get recordCount(): number {
    return this.records;
  }

  /**
   * The aggregates an evaluation at `c.nowMs` of a state with context `c` would compute from
   * this evidence. Times must not decrease from one call to the next.
   */
  aggregatesAt(c: EvidenceContext): EvidenceAggregates {
    const t = c.nowMs;
    if (t < this.lastAskedMs) throw new RangeError('aggregatesAt: times must not decrease');
    this.lastAskedMs = t;
    const { order, best } = this;
    const times = this.times.values;
    const ids = this.ids.values;
    while (this.active < order.length && times[order[this.active]!]! <= t) {
      const r = order[this.active++]!;
      if (r > best[ids[r]!]!) best[ids[r]!] = r; // the last record in input order wins
    }
    const phase = new OutcomeTally(this.domains.names.length);
    const recent = new OutcomeTally(this.domains.names.length);
    let otherRevisions = 0;
    const revisionIndex = this.revisions.find(c.revision);
    const phases = this.phases.values;
    const revisionOf = this.revisionOf.values;
    const domainOf = this.domainOf.values;
    const outcomes = this.outcomes.values;
    for (let k = lowerBound(times, order, this.active, Math.min(c.sinceMs, c.recentFromMs)); k < this.active; k++) {
      const r = order[k]!;
      if (best[ids[r]!] !== r) continue;
      // The record's revision as windowBits compares it: none, the current one, or another ('' never is a revision).
      const revision = revisionOf[r]! < 0 ? undefined : revisionIndex === revisionOf[r] ? c.revision : '';
      const windows = windowBits(c, times[r]!, phases[r] as Phase, revision);
      if (windows & IN_PHASE_WINDOW) phase.add(outcomes[r]!, domainOf[r]!);
      if (windows & IN_RECENT_WINDOW) recent.add(outcomes[r]!, domainOf[r]!);
      if (windows & OTHER_REVISION) otherRevisions++;
    }
    const signers = new Map<string, { atMs: number; record: PersonRecord }>();
    for (const s of this.signoffs) { // in input order: the first record of a person is the one shown, as in an evaluation
      if (s.atMs <= t && countsAsSignoff(c, s.atMs, s.transition, s.revision)) keep(signers, s.person, s.atMs, false);
    }
    const closers = new Map<string, { atMs: number; record: InvestigationClosed }>();
    for (const x of this.closures) if (x.atMs <= t) keep(closers, x.closure, x.atMs, true);
    return {
      phaseWindow: phase.counts(this.domains.names),
      recentWindow: recent.counts(this.domains.names),
      signers: people(signers),
      closures: people(closers),
      counts: { records: this.records, otherAgents: this.otherAgents, future: 0, duplicates: 0, otherRevisions },
    };
  }

  /** The violation summary an evaluation at `c.nowMs` of `state` would see. */
  violationsAt(state: StateFile, nowMs: number): ViolationSummary {
    const acted = new Set(state.violationsActed ?? []);
    const fresh: Violation[] = [];
    let seen = 0;
    let actedBefore = 0;
    for (const v of this.violationList) {
      if (v.atMs > nowMs) break;
      seen++;
      if (acted.has(v.digest)) actedBefore++;
      else fresh.push({ digest: v.digest, at: v.at, source: v.source, detail: v.detail, where: v.where });
    }
    return { new: fresh, seen, actedBefore, future: this.violationList.length - seen, pending: [] };
  }
}

/** Inputs of `loadStore`. */
export interface StoreInput {
  readonly agent: string;
  /** The end of the backtest: later records are left out. */
  readonly toMs: number;
  readonly evidence: readonly Source[];
  readonly audit?: readonly AuditInput[];
  /** Further identities of the agent, as `AggregateInput.identities`. */
  readonly identities?: readonly string[];
}

/** Reads evidence and audit logs once into a sealed store. Errors as `aggregate`'s. */
export async function loadStore(input: StoreInput): Promise<EvidenceStore> {
  const audit = input.audit ?? [];
  const store = new EvidenceStore({
    agent: input.agent, nowMs: input.toMs, identities: new Set([...(input.identities ?? []), ...auditIdentities(audit)].map(identityKey)),
  });
  for (const source of input.evidence) await eachLine(source, (line, n) => store.line(line, source.name, n));
  for (const a of audit) await readAudit(a, input.agent, (d) => store.denial(d, a.kind));
  store.seal();
  return store;
}
