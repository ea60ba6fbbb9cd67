import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { registerGuard, type GuardedAgent } from '../analysis/guard/agents';
import { manifestsFromObjects } from '../analysis/guard/synth';
import type { SourcedManifest } from '../analysis/read';

/**
 * Guards an agent at the App root: at synth every ApiObject of every chart is checked against
 * the phase ceiling of each agent, so an extra RoleBinding or a wider NetworkPolicy anywhere in
 * the app fails synthesis.
 */
export function guardApp(agent: IConstruct, guarded: GuardedAgent): void {
  const root = agent.node.root;
  registerGuard(root, guarded, () => ({ manifests: synthesizedManifests(root), stacks: [] }));
}

/** Every ApiObject under `scope` as the manifest it synthesizes, located by construct path. */
export function synthesizedManifests(scope: IConstruct): SourcedManifest[] {
  const objects = scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  return manifestsFromObjects(objects.map((o) => ({ path: o.node.path, json: o.toJson() })));
}
