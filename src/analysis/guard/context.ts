/**
 * What every guard rule reads, computed once per run: the agent, its ceiling, and the parts of
 * the output that reach it.
 */
import { LABELS } from '../../definition/names';
import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import { kubernetesBindingGrants, type KubernetesBindingGrant } from '../k8s/access';
import type { Manifest } from '../k8s/authorizer';
import type { AgentRef } from '../model';
import type { SynthOutput } from '../read';
import { TerraformIndex } from '../terraform/resources';
import { KUBE_DNS } from '../../definition/names';
import { phaseCeiling, type Ceiling } from './ceiling';
import type { GuardInput } from './types';

/** The guard's view of one run. */
export interface GuardContext {
  readonly agent: AgentRef;
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  readonly ceiling: Ceiling;
  readonly output: SynthOutput;
  readonly terraform: TerraformIndex;
  /** Where an object is (construct path or `FILE:LINE`). */
  readonly where: (m: Manifest) => string;
  /** Every binding that reaches the agent's ServiceAccount. */
  readonly bindings: readonly KubernetesBindingGrant[];
  /** Whether an object carries the agent's label (rendered by its construct). */
  readonly ownObject: (m: Manifest) => boolean;
}

/** Builds the context of a guard run. */
export function guardContext(input: GuardInput): GuardContext {
  const { definition, phase, output } = input;
  const agent = { namespace: definition.namespace, name: definition.name };
  const places = new Map<Manifest, string>(output.manifests.map((m) => [m.manifest, m.where]));
  const manifests = output.manifests.map((m) => m.manifest);
  return {
    agent,
    definition,
    phase,
    ceiling: phaseCeiling(definition, phase, input.dns ?? KUBE_DNS),
    output,
    terraform: new TerraformIndex(output.stacks),
    where: (m) => places.get(m) ?? `${m.kind ?? 'object'} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name ?? ''}`,
    bindings: kubernetesBindingGrants(manifests, agent),
    ownObject: (m) => m.metadata?.labels?.[LABELS.agent] === definition.name,
  };
}
