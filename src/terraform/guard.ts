import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { guardMessages, stderrOnce, type GuardedAgent } from '../analysis/guard/agents';
import { stackFromTerraform } from '../analysis/guard/synth';

const guarded = new WeakMap<IConstruct, GuardedAgent[]>();

/**
 * Registers an agent with the guard of its stack. The first agent adds one validation to the
 * TerraformStack; at synth it renders the stack once and checks each registered agent against
 * its phase ceiling, so another Vault policy on its role or a second IAM policy on its role fails
 * synthesis. Resources in other stacks are not seen: keep an agent's access in one stack.
 */
export function guardStack(agent: IConstruct, guardedAgent: GuardedAgent): void {
  const stack = TerraformStack.of(agent);
  const agents = guarded.get(stack);
  if (agents) {
    agents.push(guardedAgent);
    return;
  }
  const list = [guardedAgent];
  guarded.set(stack, list);
  const warn = stderrOnce();
  stack.node.addValidation({
    validate: () => guardMessages({ manifests: [], stacks: [stackFromTerraform(stack.toTerraform(), stack.node.id)] }, list, warn),
  });
}
