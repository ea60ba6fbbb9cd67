/**
 * What every guard rule reads, computed once per run: the agent, its ceiling, and the parts of
 * the output that reach it.
 */
import { LABELS } from '../../definition/names';
import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import { kubernetesBindingGrants, type KubernetesBindingGrant } from '../k8s/access';
import type { Manifest } from '../k8s/authorizer';
import { accessOf } from '../access';
import type { AccessModel, AgentRef } from '../model';
import { OutputIndex } from '../output-index';
import type { SynthOutput } from '../read';
import type { TerraformIndex } from '../terraform/resources';
import { phaseCeiling, type Ceiling } from './ceiling';
import type { GuardInput } from './types';

/** The guard's view of one run. */
export interface GuardContext {
  readonly agent: AgentRef;
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  readonly ceiling: Ceiling;
  readonly output: SynthOutput;
  /** The output's agent-independent indexes, shared by every agent checked against it. */
  readonly index: OutputIndex;
  readonly terraform: TerraformIndex;
  /** Where an object is (construct path or `FILE:LINE`). */
  readonly where: (m: Manifest) => string;
  /** Every binding that reaches the agent's ServiceAccount. */
  readonly bindings: readonly KubernetesBindingGrant[];
  /** Whether an object carries the agent's label (rendered by its construct). */
  readonly ownObject: (m: Manifest) => boolean;
  /** The agent's effective access in the output, as `trust-gate access` computes it. */
  readonly access: AccessModel;
  /** The guard's input (options of the constructs, other agents). */
  readonly input: GuardInput;
}

/**
 * Builds the context of a guard run. `index` must be built from `input.output`; pass one to
 * share it between the agents of one output.
 */
export function guardContext(input: GuardInput, index: OutputIndex = new OutputIndex(input.output)): GuardContext {
  const { definition, phase, output } = input;
  const agent = { namespace: definition.namespace, name: definition.name };
  return {
    agent,
    definition,
    phase,
    ceiling: phaseCeiling(input, output.manifests.length > 0, output.stacks.length > 0),
    output,
    index,
    terraform: index.terraform,
    where: (m) => index.where(m),
    bindings: kubernetesBindingGrants(index.rbac, agent),
    ownObject: (m) => m.metadata?.labels?.[LABELS.agent] === definition.name,
    access: accessOf(output, agent, index),
    input,
  };
}
