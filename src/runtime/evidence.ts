/**
 * Evidence records built so the gate's input is right by construction: each builder checks its
 * record with the gate's own reader (the same code `trust-gate evaluate` runs, no zod) and
 * throws GT_EVIDENCE_INVALID naming the field, the value and what is allowed.
 *
 * The record types come from the zod schemas (`src/gate/evidence-schema.ts`, type-only here), so
 * a field added there (an optional `revision`, say) is accepted by the builders with no change.
 */
import { appendFileSync } from 'node:fs';
import { TrustError } from '../errors';
import { EvidenceAggregator } from '../gate/evidence';
import type {
  EvidenceRecord, IncidentRecord, InvestigationClosedRecord, ScopeViolationRecord, SignoffRecord,
} from '../gate/evidence-schema';
import { ViolationLedger } from '../gate/violations';
import type { PhaseConfig } from './phase-config';

export type { EvidenceRecord, IncidentRecord, InvestigationClosedRecord, ScopeViolationRecord, SignoffRecord };

/** A record's fields without `type`; `at` may be a Date. */
type Input<R extends { type: string; at: string }> = Omit<R, 'type' | 'at'> & { readonly at: string | Date };

// A reader that checks every record and counts none: no agent is named '' and nothing is at or before -∞.
const NOBODY = '';
const checker = new EvidenceAggregator(
  { agent: NOBODY, phase: 1, sinceMs: 0, nowMs: -Infinity, recentFromMs: 0, recentAfterMs: 0, nextTransition: undefined, revision: undefined, identities: new Set() },
  new ViolationLedger(new Set(), -Infinity),
);

/** Throws GT_EVIDENCE_INVALID unless the gate accepts `record`; returns it. */
export function checkEvidence<R extends EvidenceRecord>(record: R): R {
  const where = `${record.type} record`;
  try {
    checker.line(JSON.stringify(record), where, 1);
  } catch (e) {
    if (!(e instanceof TrustError)) throw e;
    throw new TrustError('GT_EVIDENCE_INVALID', e.message.replace(`${e.where}: `, ''), `${where} of ${JSON.stringify(record.agent)}`);
  }
  return record;
}

function build<R extends EvidenceRecord>(type: R['type'], input: Input<R>): R {
  const { at, ...rest } = input;
  return checkEvidence({ type, at: at instanceof Date ? at.toISOString() : at, ...rest } as unknown as R);
}

/**
 * An incident and its outcomes. Give the outcomes known so far; a later record of the same id
 * (the operator's verdict, the remediation's result) replaces it.
 * @example incidentRecord({ ...recordContext(config), at: new Date(), id: 'INC-1042', domain: 'database', confidence: 0.91 })
 */
export function incidentRecord(input: Input<IncidentRecord>): IncidentRecord {
  return build('incident', input);
}

/** A person's sign-off for a promotion. */
export function signoffRecord(input: Input<SignoffRecord>): SignoffRecord {
  return build('signoff', input);
}

/** Something done or tried outside the agent's scope. */
export function scopeViolationRecord(input: Input<ScopeViolationRecord>): ScopeViolationRecord {
  return build('scope-violation', input);
}

/** The close of an investigation of scope violations. */
export function investigationClosedRecord(input: Input<InvestigationClosedRecord>): InvestigationClosedRecord {
  return build('investigation-closed', input);
}

/** The revision that produced a record: a string, or the model, prompt and toolset digests. */
export type AgentRevision = NonNullable<IncidentRecord['revision']>;

/** The fields every record of the agent shares. */
export interface RecordContext {
  readonly agent: string;
  readonly phase: PhaseConfig['phase'];
  /** Present when the agent knows its revision. */
  readonly revision?: AgentRevision;
}

/**
 * The `agent` and `phase` of the agent's records, from its mounted phase ConfigMap, and the
 * revision that produced them (`trust-gate set-revision` records the current one; promotion
 * counts records of it and records without one).
 * @param revision @default none (the records count for whatever revision is current)
 * @example incidentRecord({ ...recordContext(config, { model: 'sha256:…', prompt: 'sha256:…', toolset: 'sha256:…' }), at: new Date(), id, domain })
 */
export function recordContext(config: PhaseConfig, revision?: AgentRevision): RecordContext {
  return { agent: config.agent, phase: config.phase, ...(revision !== undefined ? { revision } : {}) };
}

/** One JSON line of an evidence file (checked again, in case the record was built by hand). */
export function evidenceLine(record: EvidenceRecord): string {
  return `${JSON.stringify(checkEvidence(record))}\n`;
}

/**
 * Appends records to a JSON-lines evidence file, one `write` (a single append) per record, so
 * concurrent writers never interleave within a line.
 */
export function appendEvidence(file: string, ...records: readonly EvidenceRecord[]): void {
  appendFileSync(file, records.map(evidenceLine).join(''));
}
