import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { guardMessages, stderrOnce, type GuardedAgent } from '../analysis/guard/agents';
import { manifestsFromObjects } from '../analysis/guard/synth';

const guarded = new WeakMap<IConstruct, GuardedAgent[]>();

/**
 * Registers an agent with the guard of its App. The first agent adds one validation to the App
 * root; at synth it reads every ApiObject of every chart once and checks each registered agent
 * against its phase ceiling, so an extra RoleBinding or a wider NetworkPolicy anywhere in the
 * app fails synthesis.
 */
export function guardApp(agent: IConstruct, guardedAgent: GuardedAgent): void {
  const root = agent.node.root;
  const agents = guarded.get(root);
  if (agents) {
    agents.push(guardedAgent);
    return;
  }
  const list = [guardedAgent];
  guarded.set(root, list);
  const warn = stderrOnce();
  root.node.addValidation({
    validate: () => {
      const objects = root.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
      const manifests = manifestsFromObjects(objects.map((o) => ({ path: o.node.path, json: o.toJson() })));
      return guardMessages({ manifests, stacks: [] }, list, warn);
    },
  });
}
