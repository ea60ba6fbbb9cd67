/**
 * graduated-trust/gate: the evaluator that decides which trust phase is committed.
 *
 * Evidence (JSON lines) and audit logs stream into aggregates; a pure decision compares them
 * with the policy; formatters explain it; `nextState` gives the state file to write. `backtest`
 * replays a policy over past evidence. Nothing here imports cdk8s or cdktf.
 *
 * @example
 * import { readState, writeState } from 'graduated-trust';
 * import { digestFiles, evaluate, fileSource, nextState, policyDigest, DEFAULT_POLICY, formatText } from 'graduated-trust/gate';
 *
 * const state = readState('trust/incident-responder.json');
 * const evidence = digestFiles(['evidence.jsonl']); // hashed on a worker while the gate reads
 * const decision = await evaluate({ state, now: new Date(), evidence: [fileSource('evidence.jsonl')] });
 * const digests = { evidence: await evidence, policy: policyDigest(DEFAULT_POLICY) };
 * console.log(formatText(decision, digests));
 * const next = nextState(state, decision, digests);
 * if (next) writeState('trust/incident-responder.json', next);
 */
export { evaluate, aggregate, auditIdentities, type EvaluateInput, type AggregateInput, type AuditInput } from './evaluate';
export {
  decide, evidenceContext, lastDemotionMs, liftAfterMs,
  type Decision, type Action, type HoldKind, type Refused, type Aggregates, type AuditSummary, type AuditKind, type DecisionCounts,
} from './decide';
export {
  promotionCriteria, demotionCriteria, missingFor, describeObserved, describeThreshold, describeInterval, describeBound, describeJudged, percent,
  type GateResult, type Shortfall, type Verdict, type CriterionMetric,
} from './criteria';
export { wilsonInterval, normalQuantile, zOf, type Interval } from './bounds';
export { nextState, EVALUATOR, type Digests } from './apply';
export {
  DEFAULT_POLICY, TRANSITIONS, COMPARISONS, policyDigest, canonicalJson, transitionFrom, meets, comparisonOf, thresholdOf, wantsHigh,
  type GatePolicy, type PromotionGates, type PromotionGate, type Threshold, type Trigger, type TriggerMetric, type Transition, type Comparison,
  type RevisionAction, type DemotionJudgement,
} from './policy';
export { parsePolicy, resolvePolicy, type PolicyFile } from './policy-file';
export { METRICS, METRIC_NAMES, NO_OUTCOMES, measure, type MetricName, type MetricDefinition, type OutcomeCounts, type MetricInput, type Measurement } from './metrics';
export {
  EvidenceReader, EvidenceAggregator, OutcomeTally, RECORD_TYPES, EDITS,
  type EvidenceAggregates, type EvidenceContext, type ReaderContext, type InvestigationClosed, type PersonRecord, type RecordCounts,
} from './evidence';
export { identityKey, isAgentItself, admits, type PeopleRule } from './identity';
export { revisionId, changeRevision, phaseAfterRevision, type RevisionParts, type RevisionChange } from './revision';
export { ViolationLedger, violationDigest, type Violation, type ViolationSummary } from './violations';
export { FORMATS, formatDecision, formatJson, formatText, formatMarkdown, formatCommit, decisionJson, type Format } from './format';
export { eachLine, textSource, shown, excerpt, MAX_LINE_CHARS, type Source } from './source';
export { fileSource, type FileSourceOptions } from './files';
export { digestFiles } from './digest';
export { parseInstant, formatInstant } from './instant';
export { readKubernetesAudit, type KubernetesAuditOptions } from './audit/kubernetes';
export { readCloudTrail, type CloudTrailOptions } from './audit/cloudtrail';
export { readVaultAudit, type VaultAuditOptions } from './audit/vault';
export { eachJsonRecord, type AuditDenial, type AuditReadCounts } from './audit/read';
