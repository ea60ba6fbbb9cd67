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
