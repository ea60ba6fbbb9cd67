/**
 * The Kubernetes (cdk8s) half of graduated-trust: TrustPhasedAgent and the pure renderers it
 * instantiates.
 */
export { TrustPhasedAgent, type TrustPhasedAgentProps } from './agent';
export { renderAccess, type RenderedAccess, type RenderedNetworkPolicy, type RenderOptions } from './render';
export {
  KUBE_DNS,
  activeEgressRules,
  type ActiveEgressRule,
  type CiliumEgressRule,
  type CiliumNetworkPolicyManifest,
  type CiliumSelector,
  type DnsEndpoint,
  type NetworkPolicyFlavour,
} from './network';
export {
  WRITE_OPERATIONS,
  admissionSpec,
  admissionBindingSpec,
  admissionPolicyName,
  renderAdmissionObjects,
  type AdmissionAccess,
  type AdmissionInput,
  type AdmissionObject,
  type Approvers,
  type ApprovalsPolicyInput,
  type FencePolicyInput,
} from './admission';
export { writeName, writeNameOf, writePredicate, writeText, approvalKeyExpression, type WritesPolicyInput } from './admission-writes';
export { declaredWrites, writePlace, type DeclaredWrite, type DeclaredAction, type DeclaredRawWrite } from './writes';
export { equalExcept, celString, celList } from './cel';
export { allowedDnsNames, clusterDomainPatterns, type DnsNames } from './network';
export { activeKubernetesRules, activeRbacRules, type ActiveKubernetesRule, type RbacRule, type ClusterAccess, type NamespaceAccess } from './rbac';
export { phaseConfigData } from './phase-config';
export { MANAGED_BY, type RenderedMeta } from './metadata';
export { wirePod, type PodWiring, type WirePodOptions } from './pod';
export { PHASE_VOLUME, missingWiring, podTemplatePath, type AgentPodWiring, type PodTemplate } from './pod-template';
