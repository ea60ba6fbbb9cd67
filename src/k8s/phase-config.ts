import type { KubeConfigMapProps } from 'cdk8s-plus-33/lib/imports/k8s';
import { objectNames } from '../definition/names';
import type { ResolvedDefinition } from '../definition/types';
import { activeTiers, PHASES, type Phase } from '../phase/table';
import { objectMeta } from './metadata';

/**
 * What the agent binary reads at runtime, from the phase table:
 * - `phase`, `phaseName`;
 * - `outputSinkEnabled`: `true` when the recommend tier is active (its output reaches a human);
 * - `approvalsRequired`: `true` when admission admits only operator-approved writes;
 * - `escalationConfidence`: only in phases where the table gives a threshold; the definition's
 *   `escalationConfidence` wins over the table's.
 *
 * Keys are valid environment variable names, so `envFrom` can load them.
 */
export function phaseConfigData(def: ResolvedDefinition, phase: Phase): Record<string, string> {
  const rules = PHASES[phase];
  return {
    phase: String(phase),
    phaseName: rules.name,
    outputSinkEnabled: String(activeTiers(phase).includes('recommend')),
    approvalsRequired: String(rules.writeAdmission === 'approval'),
    ...(rules.escalationConfidence !== undefined ? { escalationConfidence: String(def.escalationConfidence ?? rules.escalationConfidence) } : {}),
  };
}

/** The phase ConfigMap `<name>-phase` in the agent's namespace; the agent's Role can read it, never write it. */
export function renderPhaseConfig(def: ResolvedDefinition, phase: Phase): KubeConfigMapProps {
  return {
    metadata: objectMeta(def.name, phase, objectNames(def.name).phaseConfig, def.namespace),
    data: phaseConfigData(def, phase),
  };
}

/**
 * The approvals ConfigMap `<name>-approvals` in the agent's namespace, rendered without `data`:
 * it exists from the first deploy (the approval policy of phase 3 denies its writes while it is
 * missing), and `kubectl apply` or Argo CD (client- or server-side apply) never remove entries
 * they did not write. Only approvers add entries; the agent can never write it.
 */
export function renderApprovalsConfig(def: ResolvedDefinition, phase: Phase): KubeConfigMapProps {
  return {
    metadata: objectMeta(def.name, phase, objectNames(def.name).approvals, def.namespace, {
      'graduated-trust.dev/approvals': 'entries are added by approvers (trust-gate approve prints the command); keys <epoch>_<action>_<group>_<resource>_<namespace>_<name>_<resourceVersion>, value the approver',
    }),
  };
}
