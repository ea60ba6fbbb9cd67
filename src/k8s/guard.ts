import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { registerGuard, type GuardedAgent, type SynthesisScope } from '../analysis/guard/agents';
import { manifestsFromObjects } from '../analysis/guard/synth';
import type { SourcedManifest } from '../analysis/read';

/**
 * Guards an agent at the App root: at synth every ApiObject of every chart is checked against
 * the phase ceiling of each agent, so an extra RoleBinding or a wider NetworkPolicy anywhere in
 * the app fails synthesis.
 */
export function guardApp(agent: IConstruct, guarded: GuardedAgent): void {
  const root = agent.node.root;
  registerGuard(root, guarded, () => ({ manifests: synthesizedManifests(root), stacks: [] }), synthesisScope(root));
}

/** Every ApiObject under `scope` as the manifest it synthesizes, located by construct path. */
export function synthesizedManifests(scope: IConstruct): SourcedManifest[] {
  const objects = scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  return manifestsFromObjects(objects.map((o) => ({ path: o.node.path, json: o.toJson() })));
}

const SYNTH_METHODS = ['synth', 'synthYaml'] as const;
const scopes = new WeakMap<IConstruct, SynthesisScope>();

/**
 * The syntheses of a cdk8s App: each outermost call of the root's `synth()` or `synthYaml()` gets
 * a new number. cdk8s validates the whole app once in that call and again for every chart it
 * serializes (`App._synthChart`), and offers no hook to tell those passes apart, so the two
 * methods of this one App instance are wrapped (the prototype is left alone). Outside them (a
 * chart's `toJson()`, `Testing.synth`, `app.node.validate()`) every validation reads the output.
 */
function synthesisScope(root: IConstruct): SynthesisScope {
  const known = scopes.get(root);
  if (known) return known;
  let count = 0;
  let depth = 0;
  let current: number | undefined;
  const host = root as unknown as Record<string, unknown>;
  for (const name of SYNTH_METHODS) {
    const original = host[name];
    if (typeof original !== 'function') continue;
    Object.defineProperty(root, name, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]): unknown {
        if (depth++ === 0) current = ++count;
        try {
          return (original as (...a: unknown[]) => unknown).apply(this, args);
        } finally {
          if (--depth === 0) current = undefined;
        }
      },
    });
  }
  const scope: SynthesisScope = { current: () => current };
  scopes.set(root, scope);
  return scope;
}
