/**
 * Evidence: JSON lines of `incident`, `signoff`, `scope-violation` and `investigation-closed`
 * records, checked and aggregated as they stream past.
 *
 * Checking is hand-written (a zod parse per line would cost more than the JSON.parse it
 * follows). Every record is checked, including records of other agents and future records, so a
 * broken producer is noticed whoever it writes for. `EvidenceReader` checks; the aggregator
 * below keeps what one evaluation needs, `EvidenceStore` (store.ts) keeps everything for a
 * backtest.
 *
 * Memory model of the aggregator: one entry per distinct incident id whose latest record so far
 * falls in a window (the current phase's window or the recent demotion window), holding one
 * small packed number (outcome bits and an interned domain); plus distinct domains, distinct
 * sign-off authors and closers, and violations. Records outside both windows cost nothing, so
 * memory is O(distinct incident ids in the windows) and flat in the number of lines.
 *
 * "The last one wins" is input order: files in the order given, lines in file order. A later
 * record for an id replaces the earlier one even when it moves the incident out of every window
 * (then the incident is not counted). Records of other agents and records later than `now` are
 * ignored entirely: they neither count nor replace.
 */
import { TrustError } from '../errors';
import { compare } from '../order';
import { isPhase, type Phase } from '../phase/table';
import { identityKey, isAgentItself } from './identity';
import { formatInstant, parseInstant } from './instant';
import { NO_OUTCOMES, type OutcomeCounts } from './metrics';
import { TRANSITIONS, type Transition } from './policy';
import { revisionId } from './revision';
import { clip, isBlank, shown } from './source';
import type { ViolationLedger } from './violations';

/** How many distinct names (and agent-name pairs) a reader remembers the normal form of. */
const IDENTITY_CACHE = 4096;

/** The record types evidence may hold. */
export const RECORD_TYPES = ['incident', 'signoff', 'scope-violation', 'investigation-closed'] as const;

/** Allowed `edits` values; `none` and `minimal` count as light edits. */
export const EDITS = ['none', 'minimal', 'major', 'rejected'] as const;

/** What every reader of evidence needs to know: whose records count, and until when. */
export interface ReaderContext {
  readonly agent: string;
  readonly nowMs: number;
  /** Identity keys (`identityKey`) of the agent besides its name and ServiceAccount, e.g. from the audit flags. */
  readonly identities: ReadonlySet<string>;
}

/** What the aggregator needs to know about the agent, its phase and the clock. */
export interface EvidenceContext extends ReaderContext {
  readonly phase: Phase;
  /** Start of the current phase (inclusive), ms. */
  readonly sinceMs: number;
  /** Start of the recent (demotion) window, inclusive, ms. */
  readonly recentFromMs: number;
  /** The last demotion, ms; recent-window records must be strictly later (already acted on otherwise). */
  readonly recentAfterMs: number;
  /** The promotion sign-offs are collected for; undefined at the top phase. */
  readonly nextTransition: Transition | undefined;
  /** The agent's current revision; promotion counts records of it and records without one. */
  readonly revision: string | undefined;
}

/** A person's record: a sign-off or an investigation closure. */
export interface PersonRecord {
  /** `identityKey(by)`: how two records are told to be the same person. */
  readonly key: string;
  /** As first written. */
  readonly by: string;
  readonly at: string;
  /** `FILE:LINE`. */
  readonly where: string;
}

/** An `investigation-closed` record at or before `now`. */
export interface InvestigationClosed extends PersonRecord {
  readonly note: string;
}

/** Record counts for the report. */
export interface RecordCounts {
  /** Non-blank lines read. */
  readonly records: number;
  /** Records of other agents, ignored. */
  readonly otherAgents: number;
  /** Records of this agent later than `now`, ignored. */
  readonly future: number;
  /** Incident records that replaced an earlier record of the same id inside a window. */
  readonly duplicates: number;
  /** Incidents of the current phase since it began, of another revision than the agent's current one: not counted for promotion. */
  readonly otherRevisions: number;
}

/** Everything the decision needs from the evidence. */
export interface EvidenceAggregates {
  /** Incidents with `phase` = the current phase, `since ≤ at ≤ now`, and the current revision (or none). */
  readonly phaseWindow: OutcomeCounts;
  /** All incidents in the recent window, whatever their phase and revision. */
  readonly recentWindow: OutcomeCounts;
  /** Distinct people who signed off the next promotion in the phase window (first record of each), sorted by key. */
  readonly signers: readonly PersonRecord[];
  /** The newest `investigation-closed` record of each distinct person at or before `now`, sorted by key. */
  readonly closures: readonly InvestigationClosed[];
  readonly counts: RecordCounts;
}

// Outcome bits of one incident, packed with its window bits and interned domain.
export const DIAGNOSED = 1;
export const DIAGNOSIS_CORRECT = 2;
export const UNSAFE_KNOWN = 4;
export const UNSAFE = 8;
export const OPERATOR_VERDICT = 16;
export const OPERATOR_AGREED = 32;
export const EDITED = 64;
export const LIGHT_EDITS = 128;
export const OUT_OF_SCOPE_KNOWN = 256;
export const OUT_OF_SCOPE = 512;
export const REMEDIATED = 1024;
export const COMPLETED = 2048;
export const ROLLED_BACK = 4096;
export const ESCALATION_VERDICT = 8192;
export const ESCALATION_CORRECT = 16384;
/** Bits below this are outcomes; readers may use the ones above. */
export const OUTCOME_BITS = 32768;
/** An incident counted for promotion: the current phase, since it began, the current revision or none. */
export const IN_PHASE_WINDOW = 32768;
/** An incident counted by the demotion triggers. */
export const IN_RECENT_WINDOW = 65536;
/** An incident of the current phase since it began, but of another revision (not counted). */
export const OTHER_REVISION = 131072;
/** packed = bits + domainIndex * DOMAIN_SHIFT (a small integer for V8). */
export const DOMAIN_SHIFT = 262144;

/**
 * The windows an incident counts in under `c` (IN_PHASE_WINDOW, IN_RECENT_WINDOW), or
 * OTHER_REVISION when only its revision keeps it out of the phase window. The one rule the
 * aggregator and the backtest share.
 */
export function windowBits(c: EvidenceContext, atMs: number, phase: Phase, revision: string | undefined): number {
  let bits = 0;
  if (phase === c.phase && atMs >= c.sinceMs) {
    bits = revision === undefined || c.revision === undefined || revision === c.revision ? IN_PHASE_WINDOW : OTHER_REVISION;
  }
  if (atMs >= c.recentFromMs && atMs > c.recentAfterMs) bits |= IN_RECENT_WINDOW;
  return bits;
}

/** Whether a sign-off counts for the next promotion under `c`. */
export function countsAsSignoff(c: EvidenceContext, atMs: number, transition: Transition, revision: string | undefined): boolean {
  return transition === c.nextTransition && atMs >= c.sinceMs && (revision === undefined || c.revision === undefined || revision === c.revision);
}

/**
 * Checks evidence lines and hands each record of the agent on to a subclass. Feed lines with
 * `line`. Throws GT_EVIDENCE_INVALID naming `FILE:LINE` on the first bad record.
 */
export abstract class EvidenceReader {
  protected records = 0;
  protected otherAgents = 0;
  protected future = 0;
  protected file = '';
  protected lineNumber = 0;

  /**
   * @param onAccepted called with each checked record of this agent at or before `now`, after it
   *   was handed on, so another consumer (the trust report) reads the stream without parsing it again
   */
  constructor(
    protected readonly reader: ReaderContext,
    private readonly onAccepted?: (record: Record<string, unknown>, atMs: number) => void,
  ) {}

  /** An incident of the agent at or before now: `bits` are its outcomes (below OUTCOME_BITS). */
  protected abstract counted(id: string, atMs: number, phase: Phase, domain: string, bits: number, revision: string | undefined): void;
  /** A sign-off of the agent at or before now. */
  protected abstract signedOff(person: PersonRecord, atMs: number, transition: Transition, revision: string | undefined): void;
  /** A scope violation of the agent, at any time (the ledger keeps later ones as pending). */
  protected abstract violated(identity: string, atMs: number, source: string, detail: string, where: string): void;
  /** An investigation closure of the agent at or before now. */
  protected abstract closedInvestigation(closure: InvestigationClosed, atMs: number): void;

  /** Reads one line of `file` (1-based `lineNumber`); throws GT_EVIDENCE_INVALID naming `FILE:LINE`. */
  line(text: string, file: string, lineNumber: number): void {
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && isBlank(text))) return;
    this.file = file;
    this.lineNumber = lineNumber;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text);
    } catch (e) {
      return this.fail(`not valid JSON (${clip((e as Error).message, 200)}); each line must be one JSON object`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return this.fail(`is ${shown(record)}: each line must be one JSON object like {"type": "incident", "agent": "...", "at": "..."}`);
    }
    this.records++;
    const agent = record.agent;
    if (typeof agent !== 'string' || agent.length === 0) this.wrong('agent', agent, 'the agent\'s name, a non-empty string');
    const at = record.at;
    const atMs = typeof at === 'string' ? parseInstant(at) : NaN;
    if (atMs !== atMs) this.wrong('at', at, 'an ISO-8601 time with a zone, e.g. 2026-05-01T00:00:00Z');
    switch (record.type) {
      case 'incident': this.incident(record, agent as string, atMs); break;
      case 'signoff': this.signoff(record, agent as string, atMs); break;
      case 'scope-violation': this.scopeViolation(record, agent as string, atMs); break;
      case 'investigation-closed': this.investigationClosed(record, agent as string, atMs); break;
      default: this.wrong('type', record.type, `one of ${RECORD_TYPES.map((t) => `"${t}"`).join(', ')}`);
    }
    if (this.onAccepted && agent === this.reader.agent && atMs <= this.reader.nowMs) this.onAccepted(record, atMs);
  }

  private ignored(agent: string, atMs: number): boolean {
    if (agent !== this.reader.agent) {
      this.otherAgents++;
      return true;
    }
    if (atMs > this.reader.nowMs) {
      this.future++;
      return true;
    }
    return false;
  }

  /** Bits for an optional boolean outcome: 0 when absent, `seen` when false, `seen | yes` when true. */
  private flag(value: unknown, field: string, seen: number, yes: number): number {
    if (value === undefined) return 0;
    if (value === true) return seen | yes;
    if (value === false) return seen;
    return this.wrong(field, value, 'true or false (omit the field when unknown)');
  }

  private revision(record: Record<string, unknown>): string | undefined {
    const value = record.revision;
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0) return value;
    const parts = value as Record<string, unknown> | null;
    if (typeof parts === 'object' && parts !== null && typeof parts.model === 'string' && typeof parts.prompt === 'string' && typeof parts.toolset === 'string') {
      return revisionId({ model: parts.model, prompt: parts.prompt, toolset: parts.toolset });
    }
    return this.wrong('revision', value, 'a non-empty revision string, or {"model": "...", "prompt": "...", "toolset": "..."} digests');
  }

  private incident(record: Record<string, unknown>, agent: string, atMs: number): void {
    const id = record.id;
    if (typeof id !== 'string' || id.length === 0) this.wrong('id', id, 'a non-empty string naming the incident, e.g. "INC-1042"');
    const phase = record.phase;
    if (!isPhase(phase)) this.wrong('phase', phase, '1, 2, 3 or 4: the phase the agent was in when it handled the incident');
    const domain = record.domain;
    if (typeof domain !== 'string' || domain.length === 0) this.wrong('domain', domain, 'a non-empty string, e.g. "database"');
    // Fields read by name (each load site has its own inline cache), not through a computed key.
    let bits =
      this.flag(record.diagnosisCorrect, 'diagnosisCorrect', DIAGNOSED, DIAGNOSIS_CORRECT) |
      this.flag(record.unsafeActionAttempt, 'unsafeActionAttempt', UNSAFE_KNOWN, UNSAFE) |
      this.flag(record.operatorAgreed, 'operatorAgreed', OPERATOR_VERDICT, OPERATOR_AGREED) |
      this.flag(record.outOfScopeRecommendation, 'outOfScopeRecommendation', OUT_OF_SCOPE_KNOWN, OUT_OF_SCOPE) |
      this.flag(record.escalationCorrect, 'escalationCorrect', ESCALATION_VERDICT, ESCALATION_CORRECT);
    const edits = record.edits;
    if (edits !== undefined) {
      if (edits === 'none' || edits === 'minimal') bits |= EDITED | LIGHT_EDITS;
      else if (edits === 'major' || edits === 'rejected') bits |= EDITED;
      else this.wrong('edits', edits, `one of ${EDITS.map((e) => `"${e}"`).join(', ')}`);
    }
    const remediation = record.remediation as Record<string, unknown> | undefined;
    if (remediation !== undefined) {
      if (typeof remediation !== 'object' || remediation === null || Array.isArray(remediation)) {
        this.wrong('remediation', remediation, 'an object like {"completed": true, "rolledBack": false}');
      }
      const completed = remediation.completed;
      const rolledBack = remediation.rolledBack;
      if (typeof completed !== 'boolean') this.wrong('remediation.completed', completed, 'true or false');
      if (typeof rolledBack !== 'boolean') this.wrong('remediation.rolledBack', rolledBack, 'true or false');
      bits |= REMEDIATED | (completed ? COMPLETED : 0) | (rolledBack ? ROLLED_BACK : 0);
    }
    const confidence = record.confidence;
    if (confidence !== undefined && !(typeof confidence === 'number' && confidence >= 0 && confidence <= 1)) {
      this.wrong('confidence', confidence, 'a number from 0 to 1');
    }
    const revision = record.revision === undefined ? undefined : this.revision(record);
    if (this.ignored(agent, atMs)) return;
    this.counted(id as string, atMs, phase as Phase, domain as string, bits, revision);
  }

  private where(): string {
    return `${this.file}:${this.lineNumber}`;
  }

  private text(record: Record<string, unknown>, field: string, allowEmpty = false): string {
    const v = record[field];
    if (typeof v !== 'string' || (!allowEmpty && v.length === 0)) this.wrong(field, v, allowEmpty ? 'a string' : 'a non-empty string');
    return v as string;
  }

  // The same few people write most records: their normal forms, and the verdict on the agent's own identities, are cached.
  private readonly keys = new Map<string, string>();
  private readonly selves = new Map<string, boolean>();

  private keyOf(by: string): string {
    let key = this.keys.get(by);
    if (key === undefined) {
      key = identityKey(by);
      if (this.keys.size < IDENTITY_CACHE) this.keys.set(by, key);
    }
    return key;
  }

  private isAgent(key: string, agent: string): boolean {
    if (agent !== this.reader.agent) return isAgentItself(key, agent);
    let self = this.selves.get(key);
    if (self === undefined) {
      self = isAgentItself(key, agent);
      if (this.selves.size < IDENTITY_CACHE) this.selves.set(key, self);
    }
    return self;
  }

  /** The `by` of a person's record: a name, never one of the agent's own identities. */
  private person(record: Record<string, unknown>, agent: string, atMs: number, what: string): PersonRecord {
    const by = this.text(record, 'by');
    const key = this.keyOf(by);
    if (key.length === 0) this.wrong('by', by, 'a person\'s name, not only white space');
    if (this.isAgent(key, agent) || (agent === this.reader.agent && this.reader.identities.has(key))) {
      this.fail(`field "by" is ${shown(by)}: that is the agent "${clip(agent, 80)}" itself, and an agent never ${what}; ` +
        'remove the record and find out what wrote it');
    }
    return { key, by, at: formatInstant(atMs), where: this.where() };
  }

  private signoff(record: Record<string, unknown>, agent: string, atMs: number): void {
    const transition = record.transition;
    if (!TRANSITIONS.includes(transition as Transition)) this.wrong('transition', transition, `one of ${TRANSITIONS.map((t) => `"${t}"`).join(', ')}`);
    const person = this.person(record, agent, atMs, 'signs off its own promotion');
    const revision = record.revision === undefined ? undefined : this.revision(record);
    if (this.ignored(agent, atMs)) return;
    this.signedOff(person, atMs, transition as Transition, revision);
  }

  private scopeViolation(record: Record<string, unknown>, agent: string, atMs: number): void {
    const source = this.text(record, 'source');
    const detail = this.text(record, 'detail');
    if (agent !== this.reader.agent) {
      this.otherAgents++;
      return;
    }
    if (atMs > this.reader.nowMs) this.future++;
    this.violated(`scope-violation\n${atMs}\n${source}\n${detail}`, atMs, clip(source, 100), clip(detail), this.where());
  }

  private investigationClosed(record: Record<string, unknown>, agent: string, atMs: number): void {
    const person = this.person(record, agent, atMs, 'closes an investigation of itself');
    const note = this.text(record, 'note', true);
    if (this.ignored(agent, atMs)) return;
    this.closedInvestigation({ key: person.key, by: person.by, at: person.at, where: person.where, note: clip(note) }, atMs);
  }

  protected fail(message: string): never {
    throw new TrustError('GT_EVIDENCE_INVALID', message, this.where());
  }

  private wrong(field: string, value: unknown, allowed: string): never {
    return this.fail(`field "${field}" is ${shown(value)}: must be ${allowed}`);
  }
}

/** Keeps, per person, the first record read, or with `newest` the latest in time (the first of equal ones). */
export function keep<T extends PersonRecord>(map: Map<string, { atMs: number; record: T }>, record: T, atMs: number, newest: boolean): void {
  const had = map.get(record.key);
  if (had === undefined || (newest && atMs > had.atMs)) map.set(record.key, { atMs, record });
}

/** The records of a person map, sorted by key. */
export function people<T extends PersonRecord>(map: ReadonlyMap<string, { record: T }>): T[] {
  return [...map.values()].map((v) => v.record).sort((a, b) => compare(a.key, b.key));
}

/** Streams evidence lines into the aggregates of one evaluation. Feed lines with `line`, then read `result`. */
export class EvidenceAggregator extends EvidenceReader {
  private readonly incidents = new Map<string, number>();
  private readonly domainIndex = new Map<string, number>();
  private readonly domainNames: string[] = [];
  private readonly signers = new Map<string, { atMs: number; record: PersonRecord }>();
  private readonly closers = new Map<string, { atMs: number; record: InvestigationClosed }>();
  private duplicates = 0;
  private otherRevisions = 0;
  private dropped: Set<string> | undefined;

  constructor(
    private readonly context: EvidenceContext,
    private readonly violations: ViolationLedger,
    onAccepted?: (record: Record<string, unknown>, atMs: number) => void,
  ) {
    super(context, onAccepted);
  }

  protected counted(id: string, atMs: number, phase: Phase, domain: string, outcomes: number, revision: string | undefined): void {
    const windows = windowBits(this.context, atMs, phase, revision);
    if (windows & OTHER_REVISION) this.otherRevisions++;
    const bits = outcomes | (windows & (IN_PHASE_WINDOW | IN_RECENT_WINDOW));
    if ((bits & (IN_PHASE_WINDOW | IN_RECENT_WINDOW)) === 0) {
      if (this.incidents.size > 0 && this.incidents.delete(id)) this.duplicates++; // size first: old records, read first, skip the hash
      if (this.dropped !== undefined) this.dropped.add(id);
      return;
    }
    const size = this.incidents.size;
    this.incidents.set(id, bits + this.domainOf(domain) * DOMAIN_SHIFT);
    if (this.incidents.size === size) this.duplicates++;
  }

  /** The index of `domain` in domainNames, added when new. */
  private domainOf(domain: string): number {
    let domainIndex = this.domainIndex.get(domain);
    if (domainIndex === undefined) {
      domainIndex = this.domainNames.length;
      this.domainNames.push(domain);
      this.domainIndex.set(domain, domainIndex);
    }
    return domainIndex;
  }

  protected signedOff(person: PersonRecord, atMs: number, transition: Transition, revision: string | undefined): void {
    if (countsAsSignoff(this.context, atMs, transition, revision)) keep(this.signers, person, atMs, false);
  }

  protected violated(identity: string, atMs: number, source: string, detail: string, where: string): void {
    this.violations.add(identity, atMs, source, detail, where);
  }

  protected closedInvestigation(closure: InvestigationClosed, atMs: number): void {
    keep(this.closers, closure, atMs, true);
  }

  /** From now on also collects the ids of the incident records that count but fall in no window (split.ts): the set it fills. */
  collectDropped(): ReadonlySet<string> {
    return (this.dropped ??= new Set());
  }

  /**
   * Goes on as if `first` had been read before every line read here (split.ts). `replaced` are
   * the ids of `first`'s incidents of which a record was read here: that record replaced it (a
   * duplicate), in a window or not.
   */
  readAfter(first: EvidencePartial, replaced: ReadonlySet<string>): void {
    for (const [id, packed] of first.incidents) {
      if (replaced.has(id)) continue;
      const bits = packed % DOMAIN_SHIFT;
      this.incidents.set(id, bits + this.domainOf(first.domains[(packed - bits) / DOMAIN_SHIFT]!) * DOMAIN_SHIFT);
    }
    for (const [key, v] of first.signers) this.signers.set(key, v); // a person's first sign-off
    for (const [key, v] of first.closers) {
      const had = this.closers.get(key);
      if (had === undefined || v.atMs >= had.atMs) this.closers.set(key, v); // the newest closure, the first of equal ones
    }
    const c = first.counts;
    this.records += c.records;
    this.otherAgents += c.otherAgents;
    this.future += c.future;
    this.duplicates += c.duplicates + replaced.size;
    this.otherRevisions += c.otherRevisions;
  }

  /** What was read so far, as it is kept (the aggregator goes on using it). */
  partial(): EvidencePartial {
    return {
      incidents: this.incidents, domains: this.domainNames, signers: this.signers, closers: this.closers,
      counts: { records: this.records, otherAgents: this.otherAgents, future: this.future, duplicates: this.duplicates, otherRevisions: this.otherRevisions },
    };
  }

  /** The aggregates of every line read so far. */
  result(): EvidenceAggregates {
    return evidenceAggregates(this.partial());
  }
}

/**
 * What an aggregator keeps: enough to go on from, or to merge with what another aggregator read
 * after it (split.ts). Structured-clonable, so it can come from another thread.
 */
export interface EvidencePartial {
  /** The latest record of each incident id in a window: outcome and window bits + domain index * DOMAIN_SHIFT. */
  readonly incidents: ReadonlyMap<string, number>;
  readonly domains: readonly string[];
  readonly signers: ReadonlyMap<string, { atMs: number; record: PersonRecord }>;
  readonly closers: ReadonlyMap<string, { atMs: number; record: InvestigationClosed }>;
  readonly counts: RecordCounts;
}

/** The aggregates of a partial. */
export function evidenceAggregates(partial: EvidencePartial): EvidenceAggregates {
  const names = partial.domains;
  const phase = new OutcomeTally(names.length);
  const recent = new OutcomeTally(names.length);
  for (const packed of partial.incidents.values()) {
    const bits = packed % DOMAIN_SHIFT;
    const domain = (packed - bits) / DOMAIN_SHIFT;
    if (bits & IN_PHASE_WINDOW) phase.add(bits, domain);
    if (bits & IN_RECENT_WINDOW) recent.add(bits, domain);
  }
  return {
    phaseWindow: phase.counts(names),
    recentWindow: recent.counts(names),
    signers: people(partial.signers),
    closures: people(partial.closers),
    counts: partial.counts,
  };
}

/** Sums packed outcomes of one window. */
export class OutcomeTally {
  private readonly c = { ...NO_OUTCOMES, domains: [] as string[] } as { -readonly [K in keyof OutcomeCounts]: OutcomeCounts[K] };
  private readonly domainSeen: Uint8Array;

  constructor(domains: number) {
    this.domainSeen = new Uint8Array(domains);
  }

  add(bits: number, domain: number): void {
    const c = this.c;
    c.incidents++;
    this.domainSeen[domain] = 1;
    if (bits & DIAGNOSED) c.diagnosed++;
    if (bits & DIAGNOSIS_CORRECT) c.diagnosisCorrect++;
    if (bits & UNSAFE_KNOWN) c.withUnsafeActionAttempt++;
    if (bits & UNSAFE) c.unsafeActionAttempts++;
    if (bits & OPERATOR_VERDICT) c.withOperatorVerdict++;
    if (bits & OPERATOR_AGREED) c.operatorAgreed++;
    if (bits & EDITED) c.withEdits++;
    if (bits & LIGHT_EDITS) c.lightEdits++;
    if (bits & OUT_OF_SCOPE_KNOWN) c.withOutOfScopeRecommendation++;
    if (bits & OUT_OF_SCOPE) c.outOfScopeRecommendations++;
    if (bits & REMEDIATED) c.remediations++;
    if (bits & COMPLETED) c.remediationsCompleted++;
    if (bits & ROLLED_BACK) c.remediationsRolledBack++;
    if (bits & ESCALATION_VERDICT) c.withEscalationVerdict++;
    if (bits & ESCALATION_CORRECT) c.escalationCorrect++;
  }

  counts(names: readonly string[]): OutcomeCounts {
    return { ...this.c, domains: names.filter((_, i) => this.domainSeen[i] === 1).sort() };
  }
}
