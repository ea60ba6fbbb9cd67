/**
 * Evidence over time: every incident of the agent, counted in 24-hour buckets, and its scope
 * violations, for the trust report's charts.
 *
 * The timeline never checks a record: it reads only lines the gate's `EvidenceAggregator`
 * accepted first (see `collectReport`), so a bad line stops the report with the gate's own
 * `FILE:LINE` error. Its rules match the gate's: records of other agents and records later than
 * `now` are ignored, and incidents with the same `id` count once, the last one in input order.
 *
 * Buckets end at `now`: bucket 0 is `[now − 24 h, now]`, bucket 1 the 24 hours before it
 * (`[now − 48 h, now − 24 h)`), and so on, so 30 buckets are exactly the gate's 30-day window
 * `[now − 30 days, now]`. Memory is one packed number per distinct incident id (its bucket, domain
 * and outcome bits); the series are built once at the end, so a report of any number of
 * incidents plots one point per day. The charts reach back at most `MAX_BUCKETS` days; older
 * incidents still count in the per-domain totals.
 */
import { NO_OUTCOMES, parseInstant, type OutcomeCounts } from '../gate';
import { TrustError } from '../errors';

/** Length of a bucket. */
export const DAY_MS = 86_400_000;

/** The most buckets a timeline charts: ten years of days. */
export const MAX_BUCKETS = 3660;

/** The numeric fields of `OutcomeCounts`: what a bucket or a domain tallies. */
export type OutcomeField = Exclude<keyof OutcomeCounts, 'domains'>;

/** The tallied outcomes, in a fixed order (one bit each in the packed incident). */
export const OUTCOME_FIELDS = [
  'incidents', 'diagnosed', 'diagnosisCorrect', 'unsafeActionAttempts', 'withOperatorVerdict', 'operatorAgreed', 'withEdits',
  'lightEdits', 'outOfScopeRecommendations', 'remediations', 'remediationsCompleted', 'remediationsRolledBack',
  'withEscalationVerdict', 'escalationCorrect',
] as const satisfies readonly OutcomeField[];
const BIT = Object.fromEntries(OUTCOME_FIELDS.map((f, i) => [f, 1 << i])) as Record<OutcomeField, number>;
const BITS = 1 << OUTCOME_FIELDS.length;
const MAX_DOMAINS = 1 << 16;
const BLANK = /^[ \t\r]*$/;

/** Tallies of outcomes per 24-hour bucket, oldest bucket first. */
export type BucketSeries = Readonly<Record<OutcomeField, Int32Array>>;

/** Outcomes of one domain over all evidence and over the trailing window. */
export interface DomainTally {
  readonly domain: string;
  readonly all: OutcomeCounts;
  readonly recent: OutcomeCounts;
}

/** Scope violations in one bucket. */
export interface ViolationMark {
  /** Index of the bucket, oldest first. */
  readonly bucket: number;
  readonly count: number;
  /** The first one in input order: when, where it was found and what happened. */
  readonly first: { readonly at: string; readonly source: string; readonly detail: string };
}

/** The timeline over a range of buckets. */
export interface TimelineData {
  /** End of the newest bucket (= `now`), ms. */
  readonly endMs: number;
  /** Number of buckets; the oldest ends at `endMs - (buckets - 1) * DAY_MS`. */
  readonly buckets: number;
  readonly series: BucketSeries;
  /** Per domain, sorted by name. */
  readonly domains: readonly DomainTally[];
  readonly violations: readonly ViolationMark[];
  /** Distinct incidents counted (at or before now, this agent). */
  readonly incidents: number;
  /** Of those, how many are older than the oldest bucket (in the domain totals only). */
  readonly beforeBuckets: number;
}

/** Bucket of an instant, counted back from now: 0 for `[now − 24 h, now]`, 1 for the day before, … */
function bucketAge(atMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((nowMs - atMs) / DAY_MS) - 1);
}

function outcomes(record: Record<string, unknown>): number {
  let bits = BIT.incidents;
  if (record.diagnosisCorrect !== undefined) bits |= BIT.diagnosed | (record.diagnosisCorrect ? BIT.diagnosisCorrect : 0);
  if (record.unsafeActionAttempt === true) bits |= BIT.unsafeActionAttempts;
  if (record.operatorAgreed !== undefined) bits |= BIT.withOperatorVerdict | (record.operatorAgreed ? BIT.operatorAgreed : 0);
  if (record.edits !== undefined) bits |= BIT.withEdits | (record.edits === 'none' || record.edits === 'minimal' ? BIT.lightEdits : 0);
  if (record.outOfScopeRecommendation === true) bits |= BIT.outOfScopeRecommendations;
  const remediation = record.remediation as { completed: boolean; rolledBack: boolean } | undefined;
  if (remediation !== undefined) {
    bits |= BIT.remediations | (remediation.completed ? BIT.remediationsCompleted : 0) | (remediation.rolledBack ? BIT.remediationsRolledBack : 0);
  }
  if (record.escalationCorrect !== undefined) bits |= BIT.withEscalationVerdict | (record.escalationCorrect ? BIT.escalationCorrect : 0);
  return bits;
}

/** A mutable `OutcomeCounts` without domains. */
type Tally = Record<OutcomeField, number>;

function emptyTally(): Tally {
  const { domains: _, ...zero } = NO_OUTCOMES;
  return { ...zero };
}

function addBits(tally: Tally, bits: number): void {
  for (const field of OUTCOME_FIELDS) if (bits & BIT[field]) tally[field]++;
}

/**
 * Collects the incidents and scope violations of one agent from evidence lines the gate has
 * accepted. Feed lines with `line`, then read `result`.
 */
export class IncidentTimeline {
  private readonly incidents = new Map<string, number>();
  private readonly domainIndex = new Map<string, number>();
  private readonly domainNames: string[] = [];
  private readonly violations = new Map<number, { count: number; first: ViolationMark['first'] }>();
  private oldestAge = 0;

  constructor(
    private readonly agent: string,
    private readonly nowMs: number,
  ) {}

  /** Reads one evidence line that `EvidenceAggregator.line` accepted (for use outside `collectReport`). */
  line(text: string): void {
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && BLANK.test(text))) return; // skipped by the gate too
    const record = JSON.parse(text) as Record<string, unknown>;
    this.record(record, parseInstant(record.at as string));
  }

  /** Reads one record the gate has checked; `collectReport` passes each from the aggregator, parsed once. */
  record(record: Record<string, unknown>, atMs: number): void {
    if (record.agent !== this.agent || (record.type !== 'incident' && record.type !== 'scope-violation')) return;
    if (atMs > this.nowMs) return;
    const age = bucketAge(atMs, this.nowMs);
    if (age > this.oldestAge) this.oldestAge = age;
    if (record.type === 'scope-violation') {
      const mark = this.violations.get(age);
      if (mark) mark.count++;
      else this.violations.set(age, { count: 1, first: { at: record.at as string, source: record.source as string, detail: record.detail as string } });
      return;
    }
    const domain = record.domain as string;
    let index = this.domainIndex.get(domain);
    if (index === undefined) {
      index = this.domainNames.length;
      if (index === MAX_DOMAINS) {
        throw new TrustError('GT_EVIDENCE_INVALID', `more than ${MAX_DOMAINS} distinct domains; the report groups incidents by domain, so use fewer, broader domains`);
      }
      this.domainNames.push(domain);
      this.domainIndex.set(domain, index);
    }
    // age < 2^22 for any year the gate parses, index < 2^16, bits < 2^14: 52 bits, exact in a double.
    this.incidents.set(record.id as string, (age * MAX_DOMAINS + index) * BITS + outcomes(record));
  }

  /**
   * The series over at least `minBuckets` buckets (more when evidence is older, at most
   * `MAX_BUCKETS`), and the per-domain tallies, with `recentBuckets` buckets as the trailing window.
   */
  result(minBuckets: number, recentBuckets: number): TimelineData {
    const buckets = Math.min(MAX_BUCKETS, Math.max(minBuckets, this.oldestAge + 1));
    let beforeBuckets = 0;
    const series = Object.fromEntries(OUTCOME_FIELDS.map((f) => [f, new Int32Array(buckets)])) as Record<OutcomeField, Int32Array>;
    const all = this.domainNames.map(emptyTally);
    const recent = this.domainNames.map(emptyTally);
    for (const packed of this.incidents.values()) {
      const bits = packed % BITS;
      const rest = (packed - bits) / BITS;
      const domain = rest % MAX_DOMAINS;
      const age = (rest - domain) / MAX_DOMAINS;
      addBits(all[domain]!, bits);
      if (age >= buckets) {
        beforeBuckets++;
        continue;
      }
      const bucket = buckets - 1 - age;
      for (const field of OUTCOME_FIELDS) if (bits & BIT[field]) series[field][bucket]!++;
      if (age < recentBuckets) addBits(recent[domain]!, bits);
    }
    const domains = this.domainNames
      .map((name, i) => ({ domain: name, all: { ...all[i]!, domains: [name] }, recent: { ...recent[i]!, domains: recent[i]!.incidents > 0 ? [name] : [] } }))
      .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
    const violations = [...this.violations.entries()]
      .filter(([age]) => age < buckets)
      .map(([age, v]) => ({ bucket: buckets - 1 - age, ...v }))
      .sort((a, b) => a.bucket - b.bucket);
    return { endMs: this.nowMs, buckets, series, domains, violations, incidents: this.incidents.size, beforeBuckets };
  }
}
