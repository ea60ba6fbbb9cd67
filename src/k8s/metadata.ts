import { LABELS } from '../definition/names';
import { PHASES, type Phase } from '../phase/table';

/** Value of `app.kubernetes.io/managed-by` on every object this library synthesizes. */
export const MANAGED_BY = 'graduated-trust';

/** Object metadata as rendered: a plain object both typed L1s and `ApiObject` accept. */
export interface RenderedMeta {
  readonly name: string;
  /** Absent on cluster-scoped objects. */
  readonly namespace?: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
}

/**
 * Metadata every synthesized object carries: the agent and phase as labels and the phase name
 * as an annotation (label values cannot hold spaces). The name never contains the phase, so a
 * promotion changes objects in place.
 */
export function objectMeta(
  agent: string,
  phase: Phase,
  name: string,
  namespace?: string,
  annotations: { readonly [key: string]: string } = {},
): RenderedMeta {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { [LABELS.agent]: agent, [LABELS.phase]: String(phase), [LABELS.managedBy]: MANAGED_BY },
    annotations: { [LABELS.phaseName]: PHASES[phase].name, ...annotations },
  };
}
