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
import { objectNames } from '../definition/names';
import type { AgentDefinition, ResolvedDefinition } from '../definition/types';
import { resolveDefinition } from '../definition/validate';
import { TrustError } from '../errors';
import { isPhase, type Phase } from '../phase/table';
import { readState } from '../state/file';
import { renderAccess, type RenderedAccess, type RenderOptions } from './render';

/** Props of TrustPhasedAgent: one agent definition and where its phase comes from (exactly one of `phase`, `stateFile`). */
export interface TrustPhasedAgentProps extends RenderOptions {
  /** The agent, all phases. Validated at construction. */
  readonly definition: AgentDefinition;
  /**
   * The phase to synthesize. Give this or `stateFile`, not both.
   * @default read from `stateFile`
   */
  readonly phase?: Phase;
  /**
   * Path of the committed phase file (`{"agent": …, "phase": …, "since": …}`), resolved from the
   * working directory; its `agent` must equal `definition.name`. Give this or `phase`, not both.
   * @default none; `phase` is used
   */
  readonly stateFile?: string;
}

/**
 * The phase from the props: the explicit `phase`, or the one the state file records for this
 * agent. Throws GT_PHASE_INVALID unless exactly one is given, GT_STATE_INVALID when the file is
 * another agent's.
 * @param where construct path named in errors
 */
export function phaseFromProps(props: Pick<TrustPhasedAgentProps, 'phase' | 'stateFile'>, agent: string, where?: string): Phase {
  const { phase, stateFile } = props;
  if ((phase === undefined) === (stateFile === undefined)) {
    throw new TrustError(
      'GT_PHASE_INVALID',
      `got ${phase === undefined ? 'neither phase nor stateFile' : 'both phase and stateFile'}; pass exactly one, e.g. stateFile: 'trust/${agent}.json' to use the committed phase`,
      where,
    );
  }
  if (stateFile !== undefined) {
    const state = readState(stateFile);
    if (state.agent !== agent) {
      throw new TrustError(
        'GT_STATE_INVALID',
        `state file ${stateFile} is for agent "${state.agent}", but definition.name is "${agent}"; point stateFile at ${agent}'s state file`,
        where,
      );
    }
    return state.phase;
  }
  if (!isPhase(phase)) {
    throw new TrustError('GT_PHASE_INVALID', `phase ${String(phase)} is not a phase; use 1 (Shadow), 2 (Read-Only Assist), 3 (Limited Remediation) or 4 (Autonomous)`, where);
  }
  return phase;
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
 * `ClusterRoleBinding`, `NetworkPolicy`, `AdmissionPolicy`, `AdmissionPolicyBinding`.
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
    this.phase = phaseFromProps(props, this.definition.name, where);
    this.serviceAccountName = objectNames(this.definition.name).serviceAccount;
    this.access = renderAccess(this.definition, this.phase, props, where);
    this.instantiate(this.access);
  }

  private instantiate(access: RenderedAccess): void {
    new KubeServiceAccount(this, 'ServiceAccount', access.serviceAccount);
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
    if (access.admission) {
      clusterScoped(new KubeValidatingAdmissionPolicy(this, 'AdmissionPolicy', access.admission.policy));
      clusterScoped(new KubeValidatingAdmissionPolicyBinding(this, 'AdmissionPolicyBinding', access.admission.binding));
    }
  }
}
