import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { registerGuard, type GuardedAgent } from '../analysis/guard/agents';
import { stackFromTerraform } from '../analysis/guard/synth';

/**
 * Guards an agent at its TerraformStack: at synth the stack is rendered once and checked against
 * the phase ceiling of each agent, so another Vault policy on its role or a second IAM policy on
 * its role fails synthesis. Other stacks are not seen: keep an agent's access in one stack.
 */
export function guardStack(agent: IConstruct, guarded: GuardedAgent): void {
  const stack = TerraformStack.of(agent);
  registerGuard(stack, guarded, () => ({ manifests: [], stacks: [stackFromTerraform(stack.toTerraform(), stack.node.id)] }));
}
