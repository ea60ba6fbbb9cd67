import type { KubeConfigMapProps, KubeNetworkPolicyProps, KubeServiceAccountProps } from 'cdk8s-plus-33/lib/imports/k8s';
import { objectNames } from '../definition/names';
import { serviceAccountUsername, type ResolvedDefinition } from '../definition/types';
import { activeTiers, PHASES, type Phase, type Tier, type WriteAdmission } from '../phase/table';
import { renderAdmission, type AdmissionAccess } from './admission';
import { objectMeta } from './metadata';
import {
  activeEgressRules,
  KUBE_DNS,
  renderCiliumPolicy,
  renderNetworkPolicy,
  type ActiveEgressRule,
  type CiliumNetworkPolicyManifest,
  type DnsEndpoint,
  type NetworkPolicyFlavour,
} from './network';
import { renderPhaseConfig } from './phase-config';
import { renderClusterRole, renderRoles, type ClusterAccess, type NamespaceAccess } from './rbac';

/** How to render the network part. */
export interface RenderOptions {
  /**
   * `kubernetes` renders a NetworkPolicy (no FQDN destinations); `cilium` a CiliumNetworkPolicy.
   * @default 'kubernetes'
   */
  readonly networkPolicy?: NetworkPolicyFlavour;
  /**
   * The cluster DNS pods the agent may query on UDP and TCP 53.
   * @default KUBE_DNS (`k8s-app=kube-dns` in `kube-system`)
   */
  readonly dns?: DnsEndpoint;
}

/** The agent's network policy in the chosen flavour. */
export type RenderedNetworkPolicy =
  | { readonly flavour: 'kubernetes'; readonly props: KubeNetworkPolicyProps }
  | { readonly flavour: 'cilium'; readonly manifest: CiliumNetworkPolicyManifest };

/** Everything an agent gets in one phase, as plain objects; the construct only instantiates them. */
export interface RenderedAccess {
  readonly phase: Phase;
  /** The tiers the phase activates, in unlock order. */
  readonly tiers: readonly Tier[];
  /** `system:serviceaccount:NS:NAME`. */
  readonly username: string;
  readonly serviceAccount: KubeServiceAccountProps;
  /** One Role + RoleBinding per namespace, sorted by namespace. */
  readonly roles: readonly NamespaceAccess[];
  /** Present only when an active tier declares cluster-scoped reads. */
  readonly clusterRole: ClusterAccess | undefined;
  readonly networkPolicy: RenderedNetworkPolicy;
  /** The egress rules the phase opens (DNS is always open), for reports and the guard. */
  readonly egress: readonly ActiveEgressRule[];
  readonly phaseConfig: KubeConfigMapProps;
  /** What admission does with the agent's writes, from the phase table. */
  readonly writeAdmission: WriteAdmission;
  /** Absent when the phase table's writeAdmission is `none`. */
  readonly admission: AdmissionAccess | undefined;
}

/**
 * Renders an agent's access for a phase from the phase table. Pure: the same inputs give the
 * same objects, and object names never depend on the phase.
 * @param where construct path named in errors
 * @example
 * const access = renderAccess(resolveDefinition(incidentResponder), 2);
 * access.roles.map((r) => r.namespace); // ['ops-agents', 'shop']
 */
export function renderAccess(def: ResolvedDefinition, phase: Phase, options: RenderOptions = {}, where?: string): RenderedAccess {
  const dns = options.dns ?? KUBE_DNS;
  const networkPolicy: RenderedNetworkPolicy = options.networkPolicy === 'cilium'
    ? { flavour: 'cilium', manifest: renderCiliumPolicy(def, phase, dns) }
    : { flavour: 'kubernetes', props: renderNetworkPolicy(def, phase, dns, where) };
  return {
    phase,
    tiers: activeTiers(phase),
    username: serviceAccountUsername(def),
    serviceAccount: { metadata: objectMeta(def.name, phase, objectNames(def.name).serviceAccount, def.namespace) },
    roles: renderRoles(def, phase),
    clusterRole: renderClusterRole(def, phase),
    networkPolicy,
    egress: activeEgressRules(def, phase),
    phaseConfig: renderPhaseConfig(def, phase),
    writeAdmission: PHASES[phase].writeAdmission,
    admission: renderAdmission(def, phase),
  };
}
