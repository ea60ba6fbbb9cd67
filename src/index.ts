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
export * from './state/schema';
export { readState, parseState, writeState, formatState } from './state/file';
export { setPhase, type SetPhaseRequest } from './state/set-phase';
export { iamAction, iamActionsFor, iamActionsMatching, type IamActionInfo } from './aws/catalog';
export { phaseFromSource, type PhaseSource } from './state/phase-source';
export * from './k8s';
