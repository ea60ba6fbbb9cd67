import type { KubeConfigMapProps, KubeNetworkPolicyProps, KubeServiceAccountProps } from 'cdk8s-plus-33/lib/imports/k8s';
import { approvalEpoch } from '../definition/approvals';
import { objectNames } from '../definition/names';
import { serviceAccountUsername, type ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { activeTiers, PHASES, type Phase, type Tier, type WriteAdmission } from '../phase/table';
import { DEFAULT_SINCE } from '../state/phase-source';
import { renderAdmissionObjects, type AdmissionAccess, type Approvers } from './admission';
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
import { renderApprovalsConfig, renderPhaseConfig } from './phase-config';
import { renderClusterRole, renderRoles, type ClusterAccess, type NamespaceAccess } from './rbac';
import { declaredWrites } from './writes';

/** How to render the agent's Kubernetes objects besides its definition and phase. */
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
  /**
   * The cluster's DNS domain. In the Cilium flavour the agent may look up only names under it and
   * the `fqdn` destinations of its active tiers (other lookups are refused and never leave the
   * cluster); the vanilla flavour cannot filter names, so any lookup is forwarded upstream.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * Who may write the approvals ConfigMap `<name>-approvals` (members of `groups`, or `users`).
   * Required when the definition declares remediate-tier Kubernetes writes; without it nobody can
   * write approvals.
   * @default nobody
   */
  readonly approvers?: Approvers;
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
  /** What the agent's writes need, from the phase table. */
  readonly writeAdmission: WriteAdmission;
  /** The admission policies (the same objects in every phase). */
  readonly admission: AdmissionAccess;
  /** The approvals ConfigMap, without data: operators add entries, apply never removes them. */
  readonly approvalsConfig: KubeConfigMapProps;
}

const FLAVOURS: readonly NetworkPolicyFlavour[] = ['kubernetes', 'cilium'];
const DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A username or group as Kubernetes authenticators write them: printable, no quotes or line breaks. */
const SUBJECT = /^[^\s'"\\\u0000-\u001f\u007f][^'"\\\u0000-\u001f\u007f]*$/;

function usage(message: string, where?: string): TrustError {
  return new TrustError('GT_USAGE', message, where);
}

/**
 * Checks the render options the Kubernetes construct is given: a known network flavour, a DNS
 * domain, approvers that are Kubernetes subjects (never the agent), and approvers whenever the
 * definition has remediate-tier writes. Throws GT_USAGE naming the prop.
 */
export function checkRenderOptions(def: ResolvedDefinition, options: RenderOptions, where?: string): void {
  if (options.networkPolicy !== undefined && !FLAVOURS.includes(options.networkPolicy)) {
    throw usage(`networkPolicy ${JSON.stringify(options.networkPolicy)} is not a flavour; use 'kubernetes' (NetworkPolicy) or 'cilium' (CiliumNetworkPolicy)`, where);
  }
  if (options.clusterDomain !== undefined && !DOMAIN.test(options.clusterDomain)) {
    throw usage(`clusterDomain ${JSON.stringify(options.clusterDomain)} is not a DNS domain; use the cluster's zone, e.g. 'cluster.local'`, where);
  }
  for (const [field, values] of [['groups', options.approvers?.groups ?? []], ['users', options.approvers?.users ?? []]] as const) {
    for (const v of values) if (!SUBJECT.test(v)) throw usage(`approvers.${field} ${JSON.stringify(v)} is not a Kubernetes ${field === 'groups' ? 'group' : 'username'}; remove quotes, backslashes and line breaks`, where);
    if (values.includes(serviceAccountUsername(def))) throw usage(`approvers.${field} names the agent itself; an agent never approves its own writes`, where);
  }
  const remediateWrites = declaredWrites(def, 3).some((w) => w.tier === 'remediate');
  const approvers = (options.approvers?.groups?.length ?? 0) + (options.approvers?.users?.length ?? 0);
  if (remediateWrites && approvers === 0) {
    throw usage(`the definition declares remediate-tier Kubernetes writes, which in phase 3 each need an operator approval, but no approvers are set; pass approvers: { groups: ['…'] } naming who may approve`, where);
  }
}

/**
 * Renders an agent's access for a phase from the phase table. Pure: the same inputs give the
 * same objects, and object names never depend on the phase.
 * @param since when the agent entered `phase` (the approval epoch)
 * @param where construct path named in errors
 * @example
 * const access = renderAccess(resolveDefinition(incidentResponder), 2);
 * access.roles.map((r) => r.namespace); // ['ops-agents', 'shop']
 */
export function renderAccess(def: ResolvedDefinition, phase: Phase, options: RenderOptions = {}, where?: string, since: string = DEFAULT_SINCE): RenderedAccess {
  const dns = options.dns ?? KUBE_DNS;
  const networkPolicy: RenderedNetworkPolicy = options.networkPolicy === 'cilium'
    ? { flavour: 'cilium', manifest: renderCiliumPolicy(def, phase, dns, options.clusterDomain) }
    : { flavour: 'kubernetes', props: renderNetworkPolicy(def, phase, dns, where) };
  const agent = { name: def.name, namespace: def.namespace };
  const approvers = { groups: [...(options.approvers?.groups ?? [])], users: [...(options.approvers?.users ?? [])] };
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
    admission: renderAdmissionObjects(
      { agent, phase, epoch: approvalEpoch(since), writes: declaredWrites(def, phase) },
      declaredWrites(def, 3).filter((w) => w.tier === 'remediate'),
      approvers,
      def.podLabels,
    ),
    approvalsConfig: renderApprovalsConfig(def, phase),
  };
}
