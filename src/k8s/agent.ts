import { ApiObject, JsonPatch } from 'cdk8s';
import {
  KubeClusterRole,
  KubeClusterRoleBinding,
  KubeConfigMap,
  KubeNetworkPolicy,
  KubeRole,
  KubeRoleBinding,
  KubeServiceAccount,
  KubeValidatingAdmissionPolicy,
  KubeValidatingAdmissionPolicyBinding,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { Construct } from 'constructs';
import { LABELS, objectNames } from '../definition/names';
import type { AgentDefinition, ResolvedDefinition } from '../definition/types';
import { resolveDefinition } from '../definition/validate';
import type { Phase } from '../phase/table';
import { phaseEntryFromSource, type PhaseSource } from '../state/phase-source';
import type { Suppression } from '../analysis/guard/types';
import { guardApp } from './guard';
import { checkRenderOptions, renderAccess, type RenderedAccess, type RenderOptions } from './render';

/** Props of TrustPhasedAgent: one agent definition and where its phase comes from (exactly one of `phase`, `stateFile`). */
export interface TrustPhasedAgentProps extends RenderOptions, PhaseSource {
  /** The agent, all phases. Validated at construction. */
  readonly definition: AgentDefinition;
  /**
   * Guard suppressions: warnings (never errors) silenced with a written reason of at least 10
   * characters, recorded in the ServiceAccount's `graduated-trust.dev/guard-suppressions` annotation.
   * @default none
   */
  readonly suppressions?: readonly Suppression[];
}

/** The render options among the props (what the guard renders the ceiling with). */
function renderOptions(props: TrustPhasedAgentProps): RenderOptions {
  const { networkPolicy, dns, clusterDomain, approvers } = props;
  return { ...(networkPolicy ? { networkPolicy } : {}), ...(dns ? { dns } : {}), ...(clusterDomain ? { clusterDomain } : {}), ...(approvers ? { approvers } : {}) };
}

/** Cluster-scoped objects take no namespace, even inside a Chart that sets one. */
function clusterScoped<T extends ApiObject>(obj: T): T {
  if (obj.metadata.namespace !== undefined) obj.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return obj;
}

/**
 * An AI agent's Kubernetes access for its trust phase: ServiceAccount, Roles (and a ClusterRole
 * for cluster-scoped reads), a default-deny NetworkPolicy (or CiliumNetworkPolicy) with DNS and
 * the active tiers' egress, the phase ConfigMap the agent reads, and the admission policy that
 * denies or gates its writes. What each phase allows comes from the phase table.
 *
 * Construct tree (IDs are stable; object names never contain the phase):
 * `ServiceAccount`, `PhaseConfig`, `<namespace>/Role`, `<namespace>/RoleBinding`, `ClusterRole`,
 * `ClusterRoleBinding`, `NetworkPolicy`, `AdmissionPolicy`, `AdmissionPolicyBinding`,
 * `ApprovalsPolicy`, `ApprovalsPolicyBinding`, `FencePolicy`, `FencePolicyBinding`.
 *
 * @example
 * const app = new App();
 * const chart = new Chart(app, 'incident-responder');
 * new TrustPhasedAgent(chart, 'IncidentResponder', {
 *   definition: incidentResponder,
 *   stateFile: 'trust/incident-responder.json',
 * });
 * app.synth();
 */
export class TrustPhasedAgent extends Construct {
  /** The phase synthesized. */
  readonly phase: Phase;
  /** When the agent entered the phase (the approval epoch), ISO-8601. */
  readonly since: string;
  /** Name of the agent's ServiceAccount (in `definition.namespace`). */
  readonly serviceAccountName: string;
  /** The definition with defaults applied. */
  readonly definition: ResolvedDefinition;
  /** What was rendered for the phase, for checks of the agent's output against its access. */
  readonly access: RenderedAccess;

  constructor(scope: Construct, id: string, props: TrustPhasedAgentProps) {
    super(scope, id);
    const where = this.node.path;
    this.definition = resolveDefinition(props.definition, where);
    const entry = phaseEntryFromSource(props, this.definition.name, where);
    this.phase = entry.phase;
    this.since = entry.since;
    this.serviceAccountName = objectNames(this.definition.name).serviceAccount;
    checkRenderOptions(this.definition, props, where);
    this.access = renderAccess(this.definition, this.phase, props, where, this.since);
    const suppressions = props.suppressions ?? [];
    const sa = this.instantiate(this.access);
    // Suppressed guard warnings are part of the reviewed output: an annotation on the ServiceAccount.
    if (suppressions.length > 0) sa.metadata.addAnnotation(LABELS.guardSuppressions, suppressions.map((s) => `${s.ruleId}: ${s.reason}`).join('\n'));
    guardApp(this, { definition: this.definition, phase: this.phase, since: this.since, kubernetes: renderOptions(props), suppressions });
  }

  /** Creates the L1 objects; returns the ServiceAccount. */
  private instantiate(access: RenderedAccess): KubeServiceAccount {
    const sa = new KubeServiceAccount(this, 'ServiceAccount', access.serviceAccount);
    new KubeConfigMap(this, 'PhaseConfig', access.phaseConfig);
    for (const { namespace, role, binding } of access.roles) {
      const scope = new Construct(this, namespace);
      new KubeRole(scope, 'Role', role);
      new KubeRoleBinding(scope, 'RoleBinding', binding);
    }
    if (access.clusterRole) {
      clusterScoped(new KubeClusterRole(this, 'ClusterRole', access.clusterRole.role));
      clusterScoped(new KubeClusterRoleBinding(this, 'ClusterRoleBinding', access.clusterRole.binding));
    }
    const policy = access.networkPolicy;
    if (policy.flavour === 'cilium') new ApiObject(this, 'NetworkPolicy', policy.manifest);
    else new KubeNetworkPolicy(this, 'NetworkPolicy', policy.props);
    new KubeConfigMap(this, 'ApprovalsConfig', access.approvalsConfig);
    const { writes, approved, approvals, fence } = access.admission;
    for (const [id, object] of [['AdmissionPolicy', writes], ['ApprovedPolicy', approved], ['ApprovalsPolicy', approvals], ['FencePolicy', fence]] as const) {
      if (!object) continue;
      clusterScoped(new KubeValidatingAdmissionPolicy(this, id, object.policy));
      clusterScoped(new KubeValidatingAdmissionPolicyBinding(this, `${id}Binding`, object.binding));
    }
    return sa;
  }
}
