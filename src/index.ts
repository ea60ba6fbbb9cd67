/**
 * graduated-trust: an AI agent's permissions come from the evidence it has earned, not from the
 * cluster it runs in. This entry point holds the phase model, agent definitions, the state file
 * and the Kubernetes (cdk8s) construct. Terraform (cdktf) lives in `graduated-trust/terraform`,
 * the gate in `graduated-trust/gate`.
 */
export * from './errors';
export * from './phase/table';
export * from './definition/types';
export { validateDefinition, resolveDefinition, kubernetesVerbs, MIN_REASON_LENGTH } from './definition/validate';
export { kubernetesDangers, awsDangers, type DangerRule } from './definition/dangerous';
export { objectNames, LABELS } from './definition/names';
export { KubeKind, kindKey, resolveKind, podKind, catalogueKeys, type KindInfo, type KindRef } from './definition/kinds';
export { actionKind, actionRule, actionText, actionScope, actionChanges, parseFieldPath, formatFieldPath, RESTARTED_AT, type ChangeTree, type FieldPath, type FieldSegment } from './definition/actions';
export {
  APPROVAL_TAG, approvalEpoch, kubernetesApprovalKey, parseKubernetesApprovalKey, awsApprovalTagValue, vaultApprovalRole,
  type KubernetesApprovalRef,
} from './definition/approvals';
export * from './state/schema';
export { readState, parseState, writeState, formatState } from './state/file';
export { setPhase, type SetPhaseRequest } from './state/set-phase';
export { iamAction, iamActionsFor, iamActionsMatching, type IamActionInfo } from './aws/catalog';
export { phaseFromSource, phaseEntryFromSource, DEFAULT_SINCE, type PhaseSource, type PhaseEntry } from './state/phase-source';
export * from './k8s';
