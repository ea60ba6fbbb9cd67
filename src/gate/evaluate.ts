/**
 * The evaluator's entry points: stream evidence and audit logs into aggregates, then decide.
 */
import { TrustError } from '../errors';
import { objectNames } from '../definition/names';
import type { StateFile } from '../state/schema';
import { readCloudTrail } from './audit/cloudtrail';
import { readKubernetesAudit } from './audit/kubernetes';
import type { AuditDenial, AuditReadCounts } from './audit/read';
import { readVaultAudit } from './audit/vault';
import { decide, evidenceContext, type Aggregates, type AuditKind, type AuditSummary, type Decision } from './decide';
import { EvidenceAggregator, type EvidenceAggregates, type EvidenceContext } from './evidence';
import { DEFAULT_POLICY, type GatePolicy } from './policy';
import { eachLine, type Source } from './source';
import { ViolationLedger } from './violations';

/** An audit log read as evidence of acting outside scope, with the agent's identity in it. */
export type AuditInput =
  | { readonly kind: 'k8s-audit'; readonly source: Source; /** The agent's Kubernetes username. */ readonly user: string }
  | { readonly kind: 'cloudtrail'; readonly source: Source; /** The agent's IAM role ARN. */ readonly roleArn: string }
  | { readonly kind: 'vault-audit'; readonly source: Source; /** The agent's Vault role. */ readonly role: string };

/** Inputs of `aggregate`. */
export interface AggregateInput {
  readonly state: StateFile;
  /** @default DEFAULT_POLICY */
  readonly policy?: GatePolicy;
  readonly now: Date;
  /** Evidence files (JSON lines), read in order. */
  readonly evidence: readonly Source[];
  /** Audit logs, read after the evidence, in order. */
  readonly audit?: readonly AuditInput[];
  /**
   * Further identities of the agent, besides its name and its ServiceAccount username (which are
   * always refused as signers): sign-offs and closures by them are evidence errors. The audit
   * inputs' identities (user, role ARN, Vault role) are added.
   */
  readonly identities?: readonly string[];
}

/** The agent's identities an input names: its audit-log username, role ARN or Vault role. */
export function auditIdentities(audit: readonly AuditInput[]): string[] {
  return audit.map((a) => (a.kind === 'k8s-audit' ? a.user : a.kind === 'cloudtrail' ? a.roleArn : a.role));
}

/** Reads one audit log, reporting each denial to the agent's identity. */
export function readAudit(input: AuditInput, agent: string, onDenial: (d: AuditDenial) => void): Promise<AuditReadCounts> {
  switch (input.kind) {
    case 'k8s-audit': return readKubernetesAudit(input.source, { user: input.user, admissionPolicy: objectNames(agent).admissionPolicy }, onDenial);
    case 'cloudtrail': return readCloudTrail(input.source, { roleArn: input.roleArn }, onDenial);
    case 'vault-audit': return readVaultAudit(input.source, { role: input.role }, onDenial);
  }
}

/**
 * Streams evidence and audit logs into the aggregates the decision needs. Memory stays flat in
 * the number of lines (see `EvidenceAggregator`). Throws GT_EVIDENCE_INVALID or GT_AUDIT_INVALID
 * naming `FILE:LINE` on the first bad record.
 */
export async function aggregate(input: AggregateInput): Promise<Aggregates> {
  const context = aggregationContext(input);
  const ledger = emptyLedger(input.state, context);
  const aggregator = new EvidenceAggregator(context, ledger);
  for (const source of input.evidence) {
    const name = source.name;
    await eachLine(source, (line, n) => aggregator.line(line, name, n));
  }
  return withAudit(input, aggregator.result(), ledger);
}

/** Whose records count under `input`, and until when. */
export function aggregationContext(input: Omit<AggregateInput, 'evidence'>): EvidenceContext {
  return evidenceContext(input.state, input.policy ?? DEFAULT_POLICY, input.now, [...(input.identities ?? []), ...auditIdentities(input.audit ?? [])]);
}

/** A ledger for the state's agent, knowing which violations the state acted on. */
export function emptyLedger(state: StateFile, context: EvidenceContext): ViolationLedger {
  return new ViolationLedger(new Set(state.violationsActed ?? []), context.nowMs);
}

/** Reads the audit logs into `ledger`, after the evidence, and completes the aggregates. */
export async function withAudit(input: Omit<AggregateInput, 'evidence'>, evidence: EvidenceAggregates, ledger: ViolationLedger): Promise<Aggregates> {
  const audit: AuditSummary[] = [];
  for (const a of input.audit ?? []) {
    const kind: AuditKind = a.kind;
    const counts = await readAudit(a, input.state.agent, (d) => ledger.add(d.identity, d.atMs, kind, d.detail, d.where));
    audit.push({ name: a.source.name, kind, ...counts });
  }
  return { evidence, violations: ledger.summary(), audit };
}

/** Inputs of `evaluate`: evidence as sources to stream, or aggregates computed before. */
export type EvaluateInput =
  | AggregateInput
  | {
    readonly state: StateFile;
    readonly policy?: GatePolicy;
    readonly now: Date;
    /** Aggregates from `aggregate` for the same state, policy and now. */
    readonly evidence: Aggregates;
  };

/**
 * Evaluates the gate: promote, demote or hold, with reasons and every gate's numbers.
 * @example
 * const decision = await evaluate({
 *   state: readState('trust/incident-responder.json'),
 *   evidence: [fileSource('evidence/incidents.jsonl')],
 *   now: new Date(),
 * });
 * if (decision.changesState) writeState(file, nextState(state, decision, digests)!);
 */
export async function evaluate(input: EvaluateInput): Promise<Decision> {
  const policy = input.policy ?? DEFAULT_POLICY;
  if (Array.isArray(input.evidence)) return decide(input.state, await aggregate(input as AggregateInput), policy, input.now);
  if ('audit' in input && input.audit !== undefined) {
    throw new TrustError('GT_USAGE', 'audit logs are read together with evidence sources; pass sources, or aggregate everything first with aggregate()');
  }
  return decide(input.state, input.evidence as Aggregates, policy, input.now);
}
