/**
 * graduated-trust/runtime: the agent's side of the contract, for the binary in the agent's pod.
 * It reads the mounted phase ConfigMap (and notices a promotion or demotion while it runs),
 * answers per action whether to log, recommend, request an approval, act or escalate, and
 * builds evidence records the gate accepts. It depends on nothing but Node's standard library
 * (no zod, cdk8s or cdktf); other languages use the JSON Schemas in `graduated-trust/schemas/`.
 *
 * @example
 * import { appendEvidence, decideAction, incidentRecord, recordContext, watchPhaseConfig } from 'graduated-trust/runtime';
 *
 * const phase = watchPhaseConfig({ onChange: (now, was) => console.log(`phase ${was.phase} -> ${now.phase}`) });
 * const decision = decideAction(phase.current, { confidence: 0.93, target });
 * // decision.kind: 'log' | 'recommend' | 'request-approval' | 'act' | 'escalate'
 * appendEvidence('/var/log/agent/evidence.jsonl', incidentRecord({ ...recordContext(phase.current), at: new Date(), id: 'INC-1042', domain: 'database' }));
 */
export { PHASE_CONFIG_DIR, parsePhaseConfig, readPhaseConfig, readConfigMapDir, type PhaseConfig, type RuntimePhase } from './phase-config';
export { watchPhaseConfig, type PhaseConfigWatch, type WatchPhaseConfigOptions } from './watch';
export { decideAction, mayWrite, outputReachesHuman, needsApproval, mustEscalate, type ActionDecision, type ActionKind, type ActionRequest } from './decide';
export { approvalCommand, OPERATOR_PLACEHOLDER, type ApprovalCommandOptions, type ApprovalTarget } from './approve';
export {
  appendEvidence, checkEvidence, evidenceLine, incidentRecord, investigationClosedRecord, recordContext, scopeViolationRecord, signoffRecord,
  type AgentRevision, type EvidenceRecord, type IncidentRecord, type RecordContext, type InvestigationClosedRecord, type ScopeViolationRecord, type SignoffRecord,
} from './evidence';
