/**
 * Evidence: JSON lines of `incident`, `signoff`, `scope-violation` and `investigation-closed`
 * records, checked and aggregated as they stream past.
 *
 * Checking is hand-written (a zod parse per line would cost more than the JSON.parse it
 * follows). Every record is checked, including records of other agents and future records, so a
 * broken producer is noticed whoever it writes for.
 *
 * Memory model: one entry per distinct incident id whose latest record so far falls in a window
 * (the current phase's window or the recent demotion window), holding one small packed number
 * (outcome bits and an interned domain); plus distinct domains, distinct sign-off authors for the
 * next promotion and violations. Records outside both windows cost nothing, so memory is
 * O(distinct incident ids in the windows) and flat in the number of lines.
 *
 * "The last one wins" is input order: files in the order given, lines in file order. A later
 * record for an id replaces the earlier one even when it moves the incident out of every window
 * (then the incident is not counted). Records of other agents and records later than `now` are
 * ignored entirely: they neither count nor replace.
 */
import { TrustError } from '../errors';
import { isPhase, type Phase } from '../phase/table';
import { formatInstant, parseInstant } from './instant';
import { NO_OUTCOMES, type OutcomeCounts } from './metrics';
import { TRANSITIONS, type Transition } from './policy';
import { isBlank, shown } from './source';
import type { ViolationLedger } from './violations';

/** The record types evidence may hold. */
export const RECORD_TYPES = ['incident', 'signoff', 'scope-violation', 'investigation-closed'] as const;

/** Allowed `edits` values; `none` and `minimal` count as light edits. */
export const EDITS = ['none', 'minimal', 'major', 'rejected'] as const;

/** What the aggregator needs to know about the agent, its phase and the clock. */
export interface EvidenceContext {
  readonly agent: string;
  readonly phase: Phase;
  /** Start of the current phase (inclusive), ms. */
  readonly sinceMs: number;
  readonly nowMs: number;
  /** Start of the recent (demotion) window, inclusive, ms. */
  readonly recentFromMs: number;
  /** The last demotion, ms; recent-window records must be strictly later (already acted on otherwise). */
  readonly recentAfterMs: number;
  /** The promotion sign-offs are collected for; undefined at the top phase. */
  readonly nextTransition: Transition | undefined;
}

/** The newest `investigation-closed` record at or before `now`. */
export interface InvestigationClosed {
  readonly at: string;
  readonly by: string;
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
}

/** Everything the decision needs from the evidence. */
export interface EvidenceAggregates {
  /** Incidents with `phase` = the current phase and `since ≤ at ≤ now`. */
  readonly phaseWindow: OutcomeCounts;
  /** All incidents in the recent window, whatever their phase. */
  readonly recentWindow: OutcomeCounts;
  /** Distinct authors of sign-offs for the next promotion since entering the phase, sorted. */
  readonly signoffs: readonly string[];
  readonly lastInvestigationClosed: InvestigationClosed | null;
  readonly counts: RecordCounts;
}

// Outcome bits of one incident, packed with its window bits and interned domain.
const DIAGNOSED = 1;
const DIAGNOSIS_CORRECT = 2;
const UNSAFE = 4;
const OPERATOR_VERDICT = 8;
const OPERATOR_AGREED = 16;
const EDITED = 32;
const LIGHT_EDITS = 64;
const OUT_OF_SCOPE = 128;
const REMEDIATED = 256;
const COMPLETED = 512;
const ROLLED_BACK = 1024;
const ESCALATION_VERDICT = 2048;
const ESCALATION_CORRECT = 4096;
const IN_PHASE_WINDOW = 8192;
const IN_RECENT_WINDOW = 16384;
const DOMAIN_SHIFT = 32768; // packed = bits + domainIndex * DOMAIN_SHIFT (a small integer for V8)

/** Streams evidence lines into aggregates. Feed lines with `line`, then read `result`. */
export class EvidenceAggregator {
  private readonly incidents = new Map<string, number>();
  private readonly domainIndex = new Map<string, number>();
  private readonly domainNames: string[] = [];
  private readonly signers = new Set<string>();
  private closed: { atMs: number; by: string; note: string } | undefined;
  private records = 0;
  private otherAgents = 0;
  private future = 0;
  private duplicates = 0;
  private file = '';
  private lineNumber = 0;

  /**
   * @param onAccepted called with each checked record of this agent at or before `now`, after it
   *   was aggregated, so another consumer (the trust report) reads the stream without parsing it again
   */
  constructor(
    private readonly context: EvidenceContext,
    private readonly violations: ViolationLedger,
    private readonly onAccepted?: (record: Record<string, unknown>, atMs: number) => void,
  ) {}

  /** Reads one line of `file` (1-based `lineNumber`); throws GT_EVIDENCE_INVALID naming `FILE:LINE`. */
  line(text: string, file: string, lineNumber: number): void {
    if (text.length === 0 || (text.charCodeAt(0) !== 123 && isBlank(text))) return;
    this.file = file;
    this.lineNumber = lineNumber;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text);
    } catch (e) {
      return this.fail(`not valid JSON (${(e as Error).message}); each line must be one JSON object`);
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
    if (this.onAccepted && agent === this.context.agent && atMs <= this.context.nowMs) this.onAccepted(record, atMs);
  }

  private ignored(agent: string, atMs: number): boolean {
    if (agent !== this.context.agent) {
      this.otherAgents++;
      return true;
    }
    if (atMs > this.context.nowMs) {
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
      this.flag(record.unsafeActionAttempt, 'unsafeActionAttempt', 0, UNSAFE) |
      this.flag(record.operatorAgreed, 'operatorAgreed', OPERATOR_VERDICT, OPERATOR_AGREED) |
      this.flag(record.outOfScopeRecommendation, 'outOfScopeRecommendation', 0, OUT_OF_SCOPE) |
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
    if (this.ignored(agent, atMs)) return;

    const c = this.context;
    if (phase === c.phase && atMs >= c.sinceMs) bits |= IN_PHASE_WINDOW;
    if (atMs >= c.recentFromMs && atMs > c.recentAfterMs) bits |= IN_RECENT_WINDOW;
    const key = id as string;
    if ((bits & (IN_PHASE_WINDOW | IN_RECENT_WINDOW)) === 0) {
      if (this.incidents.size > 0 && this.incidents.delete(key)) this.duplicates++; // size first: old records, read first, skip the hash
      return;
    }
    let domainIndex = this.domainIndex.get(domain as string);
    if (domainIndex === undefined) {
      domainIndex = this.domainNames.length;
      this.domainNames.push(domain as string);
      this.domainIndex.set(domain as string, domainIndex);
    }
    const size = this.incidents.size;
    this.incidents.set(key, bits + domainIndex * DOMAIN_SHIFT);
    if (this.incidents.size === size) this.duplicates++;
  }

  private text(record: Record<string, unknown>, field: string, allowEmpty = false): string {
    const v = record[field];
    if (typeof v !== 'string' || (!allowEmpty && v.length === 0)) this.wrong(field, v, allowEmpty ? 'a string' : 'a non-empty string');
    return v as string;
  }

  private signoff(record: Record<string, unknown>, agent: string, atMs: number): void {
    const by = this.text(record, 'by');
    const transition = record.transition;
    if (!TRANSITIONS.includes(transition as Transition)) this.wrong('transition', transition, `one of ${TRANSITIONS.map((t) => `"${t}"`).join(', ')}`);
    if (this.ignored(agent, atMs)) return;
    if (transition === this.context.nextTransition && atMs >= this.context.sinceMs) this.signers.add(by);
  }

  private scopeViolation(record: Record<string, unknown>, agent: string, atMs: number): void {
    const source = this.text(record, 'source');
    const detail = this.text(record, 'detail');
    if (this.ignored(agent, atMs)) return;
    this.violations.add(`scope-violation\n${atMs}\n${source}\n${detail}`, atMs, source, detail, `${this.file}:${this.lineNumber}`);
  }

  private investigationClosed(record: Record<string, unknown>, agent: string, atMs: number): void {
    const by = this.text(record, 'by');
    const note = this.text(record, 'note', true);
    if (this.ignored(agent, atMs)) return;
    if (this.closed === undefined || atMs > this.closed.atMs) this.closed = { atMs, by, note };
  }

  private fail(message: string): never {
    throw new TrustError('GT_EVIDENCE_INVALID', message, `${this.file}:${this.lineNumber}`);
  }

  private wrong(field: string, value: unknown, allowed: string): never {
    return this.fail(`field "${field}" is ${shown(value)}: must be ${allowed}`);
  }

  /** The aggregates of every line read so far. */
  result(): EvidenceAggregates {
    const phase = new OutcomeTally(this.domainNames.length);
    const recent = new OutcomeTally(this.domainNames.length);
    for (const packed of this.incidents.values()) {
      const bits = packed % DOMAIN_SHIFT;
      const domain = (packed - bits) / DOMAIN_SHIFT;
      if (bits & IN_PHASE_WINDOW) phase.add(bits, domain);
      if (bits & IN_RECENT_WINDOW) recent.add(bits, domain);
    }
    return {
      phaseWindow: phase.counts(this.domainNames),
      recentWindow: recent.counts(this.domainNames),
      signoffs: [...this.signers].sort(),
      lastInvestigationClosed: this.closed ? { at: formatInstant(this.closed.atMs), by: this.closed.by, note: this.closed.note } : null,
      counts: { records: this.records, otherAgents: this.otherAgents, future: this.future, duplicates: this.duplicates },
    };
  }
}

/** Sums packed outcomes of one window. */
class OutcomeTally {
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
    if (bits & UNSAFE) c.unsafeActionAttempts++;
    if (bits & OPERATOR_VERDICT) c.withOperatorVerdict++;
    if (bits & OPERATOR_AGREED) c.operatorAgreed++;
    if (bits & EDITED) c.withEdits++;
    if (bits & LIGHT_EDITS) c.lightEdits++;
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
