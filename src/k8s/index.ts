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
  APPROVAL_KEY_CEL,
  APPROVED_CEL,
  WRITE_OPERATIONS,
  approvalKey,
  isApproved,
  type AdmissionAccess,
  type AdmissionRequestFields,
} from './admission';
export { activeKubernetesRules, type ActiveKubernetesRule, type ClusterAccess, type NamespaceAccess } from './rbac';
export { phaseConfigData } from './phase-config';
export { MANAGED_BY, type RenderedMeta } from './metadata';
