import type { KubeConfigMapProps } from 'cdk8s-plus-33/lib/imports/k8s';
import { z } from 'zod';
import { objectNames } from '../definition/names';
import type { ResolvedDefinition } from '../definition/types';
import { activeTiers, PHASE_VALUES, PHASES, type Phase } from '../phase/table';
import { CONFIDENCE_TEXT } from '../runtime/phase-config';
import { objectMeta } from './metadata';

const flag = (description: string) => z.enum(['true', 'false']).meta({ description });

/**
 * The data of the phase ConfigMap, as the agent reads it (`graduated-trust/runtime`, or any
 * language through `schemas/phase-config.schema.json`). Every value is a string, as in any
 * ConfigMap. Other keys are allowed: a newer library may add some, and an older agent ignores them.
 */
export const phaseConfigDataSchema = z.looseObject({
  agent: z.string().min(1).meta({ description: "The agent's name: the `agent` of its evidence records and of `trust-gate approve --agent`." }),
  phase: z.enum(PHASE_VALUES.map(String) as [string, ...string[]]).meta({ description: 'The committed trust phase.' }),
  phaseName: z.string().min(1).meta({ description: `The phase's name: ${PHASE_VALUES.map((p) => PHASES[p].name).join(', ')}.` }),
  outputSinkEnabled: flag('Whether its output reaches a human (the recommend tier is active). `false`: log only.'),
  writesEnabled: flag('Whether admission admits any write by the agent (its declared actions).'),
  approvalsRequired: flag('Whether each write needs a single-use operator approval (`trust-gate approve`).'),
  escalationConfidence: z.string().regex(CONFIDENCE_TEXT, 'must be a number from 0 to 1').optional()
    .meta({ description: 'Present where the agent acts alone: below this confidence it escalates to a human instead.' }),
});

/**
 * What the agent binary reads at runtime, from the phase table:
 * - `agent`, `phase`, `phaseName`;
 * - `outputSinkEnabled`: `true` when the recommend tier is active (its output reaches a human);
 * - `writesEnabled`: `true` when admission admits writes (declared actions) at all;
 * - `approvalsRequired`: `true` when admission admits only operator-approved writes;
 * - `escalationConfidence`: only in phases where the table gives a threshold; the definition's
 *   `escalationConfidence` wins over the table's.
 *
 * Keys are valid environment variable names, so `envFrom` can load them. The schema is
 * `phaseConfigDataSchema` (`schemas/phase-config.schema.json`).
 */
export function phaseConfigData(def: ResolvedDefinition, phase: Phase): Record<string, string> {
  const rules = PHASES[phase];
  return {
    agent: def.name,
    phase: String(phase),
    phaseName: rules.name,
    outputSinkEnabled: String(activeTiers(phase).includes('recommend')),
    writesEnabled: String(rules.writeAdmission !== 'deny'),
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
