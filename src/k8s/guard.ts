import { ApiObject, App } from 'cdk8s';
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
/** Marks App.prototype as wrapped and holds, per App, the numbers of its syntheses under way (innermost last). */
const TRACKED = Symbol.for('graduated-trust.cdk8s-syntheses');

interface Tracker {
  count: number;
  readonly underWay: WeakMap<object, number[]>;
}

/**
 * Wraps `synth()` and `synthYaml()` of cdk8s's App.prototype once, so each call of them (an
 * override's `super.synth()` too) is one synthesis with its own number. cdk8s validates the whole
 * app once in that call and again for every chart it serializes (`App._synthChart`), and offers no
 * hook to tell those passes apart. The wrapper only counts; it changes nothing cdk8s does.
 */
function tracker(): Tracker {
  const proto = App.prototype as unknown as Record<string | symbol, unknown>;
  const known = proto[TRACKED] as Tracker | undefined;
  if (known) return known;
  const made: Tracker = { count: 0, underWay: new WeakMap() };
  for (const name of SYNTH_METHODS) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    const wrapped = {
      // A method named as the original, so stack traces read as cdk8s's own.
      [name](this: unknown, ...args: unknown[]): unknown {
        if (typeof this !== 'object' || this === null) return original.apply(this, args); // unbound: cdk8s's own error
        const stack = made.underWay.get(this) ?? [];
        made.underWay.set(this, stack);
        stack.push(++made.count);
        try {
          return original.apply(this, args);
        } finally {
          stack.pop();
        }
      },
    }[name];
    Object.defineProperty(proto, name, { configurable: true, writable: true, value: wrapped });
  }
  Object.defineProperty(proto, TRACKED, { value: made });
  return made;
}

/**
 * The syntheses of the App at `root`; undefined when the root is not an App of this cdk8s (then
 * every validation pass reads the output). Outside a synthesis (a chart's `toJson()`,
 * `Testing.synth`, `app.node.validate()`) every validation reads the output too.
 */
function synthesisScope(root: IConstruct): SynthesisScope | undefined {
  if (!(root instanceof App)) return undefined;
  const { underWay } = tracker();
  return {
    current: () => {
      const stack = underWay.get(root);
      return stack && stack.length > 0 ? stack[stack.length - 1] : undefined;
    },
    // synth() and synthYaml() validate once, then once more in each chart's toJson(); synth() with
    // FOLDER_PER_CHART_FILE_PER_RESOURCE serializes without toJson(), so its one pass is also its last
    passes: () => 1 + root.charts.length,
  };
}
