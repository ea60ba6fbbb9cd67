/**
 * Scope violations and how each is acted on exactly once.
 *
 * Every violation has an identity: a `scope-violation` evidence record is its time (to the
 * millisecond, whatever zone it was written in), `source` and `detail`; an audit-log denial is
 * its request id (`auditID`, `eventID`, `request.id`). The state file keeps the digests of the
 * violations already acted on (`violationsActed`), so:
 * - re-reading the same evidence after `--write` finds nothing new and changes nothing;
 * - a violation that arrives late, even one older than the last phase change or than a newer
 *   violation already acted on, is new and demotes once.
 * A time watermark could do neither. The list grows by one short digest per violation; each
 * one demoted the agent to the floor, so it stays small.
 */
import { createHash } from 'node:crypto';
import { formatInstant } from './instant';

/** A scope violation found in the evidence or an audit log. */
export interface Violation {
  /** Identity digest (32 hex digits: the first 128 bits of sha256 of the identity). */
  readonly digest: string;
  /** When it happened, UTC. */
  readonly at: string;
  /** Where it was found: the evidence record's `source`, or `k8s-audit`, `cloudtrail`, `vault-audit`. */
  readonly source: string;
  /** What the agent did or tried. */
  readonly detail: string;
  /** `FILE:LINE` of the record. */
  readonly where: string;
}

/** What the ledger saw. */
export interface ViolationSummary {
  /** Violations at or before `now` not acted on before, oldest first. */
  readonly new: readonly Violation[];
  /** Distinct violations at or before `now` found in the inputs, including those acted on before. */
  readonly seen: number;
  /** Of those, how many the state file lists as acted on. */
  readonly actedBefore: number;
  /** Distinct violations later than `now`, not acted on yet (they count once `now` passes them). */
  readonly future: number;
  /** Those violations, oldest first. */
  readonly pending: readonly Violation[];
}

/** The digest of a violation identity. */
export function violationDigest(identity: string): string {
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}

/** A violation as the ledger keeps it. */
export type LedgerEntry = Violation & { readonly atMs: number };
type Entry = LedgerEntry;

/** Oldest first, ties by digest, so the order never depends on input order. */
function ordered(entries: readonly Entry[]): Violation[] {
  return [...entries].sort((a, b) => a.atMs - b.atMs || (a.digest < b.digest ? -1 : 1)).map(({ atMs: _, ...v }) => v);
}

/** Collects violations, dropping duplicates and the ones the state already acted on. */
export class ViolationLedger {
  private readonly seen = new Set<string>();
  private readonly fresh: Entry[] = [];
  private readonly later: Entry[] = [];
  private actedBefore = 0;

  constructor(
    /** Digests the state file lists as acted on. */
    private readonly acted: ReadonlySet<string>,
    private readonly nowMs: number,
  ) {}

  private readonly read: Entry[] = [];

  /** Records one violation; `identity` says when two records are the same violation. */
  add(identity: string, atMs: number, source: string, detail: string, where: string): void {
    const digest = violationDigest(identity);
    if (!this.seen.has(digest)) this.keep({ digest, atMs, at: formatInstant(atMs), source, detail, where });
  }

  /** Every distinct violation recorded, in the order first read (to hand on to another ledger). */
  entries(): readonly LedgerEntry[] {
    return this.read;
  }

  /** Records the entries of another ledger as if they were read here now, in their order. */
  absorb(entries: readonly LedgerEntry[]): void {
    for (const entry of entries) if (!this.seen.has(entry.digest)) this.keep(entry);
  }

  private keep(entry: Entry): void {
    this.seen.add(entry.digest);
    this.read.push(entry);
    if (entry.atMs > this.nowMs) this.later.push(entry);
    else if (this.acted.has(entry.digest)) this.actedBefore++;
    else this.fresh.push(entry);
  }

  /** What was seen, new violations oldest first. */
  summary(): ViolationSummary {
    return { new: ordered(this.fresh), seen: this.seen.size - this.later.length, actedBefore: this.actedBefore, future: this.later.length, pending: ordered(this.later) };
  }
}
