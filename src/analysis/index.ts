/**
 * graduated-trust/analysis: what an agent can actually do according to synthesized output
 * (access report), what changes between two outputs (phase diff), and the guard that fails
 * synthesis when anything grants the agent more than its phase allows.
 */
export * from './model';
export { readSynthOutput, sourceFiles, documents, parseManifests, parseTerraformStack, terraformResources } from './read';
export type { SourcedManifest, SynthOutput, TerraformResource, TerraformStack } from './read';
export { accessOf, accessModels, detectAgents, formatAccessText, formatAccessJson, formatAccessMarkdown } from './access';
export { diffAccess, diffOutputs, emptyAccess, hasChanges, formatDiffText, formatDiffJson, formatDiffMarkdown, BACKENDS } from './diff';
export type { AccessDiff, Change, Backend } from './diff';
export { RbacAuthorizer, type EffectiveBinding, type Manifest } from './k8s/authorizer';
export { OutputIndex } from './output-index';
export * from './k8s/rbac';
export { kubernetesRows, rowText, type KubernetesRow } from './k8s/access';
export { runGuard, formatFindings, formatFinding, blockingFindings, GUARD_RULES } from './guard/run';
export { phaseCeiling, type Ceiling } from './guard/ceiling';
export { guardValidation, manifestsFromObjects, stackFromTerraform } from './guard/synth';
export type { Finding, FindingLevel, GuardInput, GuardRule, Suppression, DnsEndpoint } from './guard/types';
export { egressGrants, allowsEgress, selectorMatches, ipInBlock, fqdnPatternMatches } from './k8s/netpol';
export type { EgressAnalysis, EgressGrant, EgressPeerGrant, EgressDestination, LabelSelector, PodRef, PortGrant } from './k8s/netpol';
export { VaultAcl } from './vault/acl';
export { parseVaultPolicy, type VaultPathRule } from '../vault/policy';
export { evaluateIam, allowedActionsByAccessLevel, allowedActionResources, expandActionPattern, wildcardMatches, type IamDecision, type IamPolicies, type IamRequest, type ActionsByAccessLevel, type AllowedAction, type ExpandedAction } from './iam/evaluate';
