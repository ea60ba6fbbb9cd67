import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustPhasedAgent } from '../../src/k8s';
import { APPROVERS, deleteDeploymentsGrant } from './helpers';

const AGENTS = 12;

/** AGENTS agents at phase 2, agent i in the chart `chartOf(i)`. */
function addAgents(app: App, chartOf: (i: number) => Chart): Chart[] {
  return Array.from({ length: AGENTS }, (_, i) => {
    const chart = chartOf(i);
    const definition = { ...incidentResponder, name: `agent-${i}`, namespace: `team-${i % 3}`, podLabels: { 'app.kubernetes.io/name': `agent-${i}` } };
    new TrustPhasedAgent(chart, `Agent${i}`, { definition, phase: 2, approvers: APPROVERS });
    return chart;
  });
}

const tempOutdir = () => mkdtempSync(join(tmpdir(), 'gt-synth-'));
const newApp = () => new App({ outdir: tempOutdir() });

/** One chart per agent, the layout that makes cdk8s validate the whole app once per chart. */
function perChartApp(): { app: App; charts: Chart[] } {
  const app = newApp();
  return { app, charts: addAgents(app, (i) => new Chart(app, `agent-${i}`)) };
}

function oneChartApp(): { app: App } {
  const app = newApp();
  const chart = new Chart(app, 'agents');
  addAgents(app, () => chart);
  return { app };
}

const apiObjects = (app: App) => app.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));

/** A chart of its own in which agent-0 is bound to a Role that deletes Deployments. */
function widen(app: App): Chart {
  const other = new Chart(app, `other-${app.node.children.length}`);
  deleteDeploymentsGrant(other, { name: 'agent-0', namespace: 'team-0' });
  return other;
}

/** Adds `delete apps/deployments` to the Role of the agent in `chart` by a JSON patch (an escape hatch). */
function patchRole(app: App, chart: Chart): void {
  const role = apiObjects(app).find((o) => o.kind === 'Role' && chart.node.findAll().includes(o))!;
  role.addJsonPatch(JsonPatch.add('/rules/-', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the cdk8s guard over one synthesis', () => {
  for (const method of ['synthYaml', 'synth'] as const) {
    it(`reads the app's output three times per ${method}(), however many charts validate it`, () => {
      const { app } = perChartApp();
      const objects = apiObjects(app).length;
      const toJson = vi.spyOn(ApiObject.prototype, 'toJson');
      app[method]();
      // three times for the guard (the first two validation passes and the last), once for what cdk8s writes;
      // it was once per chart and once more
      expect(toJson.mock.calls.length).toBe(4 * objects);
      toJson.mockClear();
      app[method]();
      expect(toJson.mock.calls.length, 'a second synthesis reads the output again').toBe(4 * objects);
    });
  }

  it('catches a widening added in another chart between two syntheses', () => {
    const { app } = perChartApp();
    expect(() => app.synthYaml()).not.toThrow();
    widen(app);
    expect(() => app.synthYaml()).toThrowError(/GT-K8S-001.*delete apps\/deployments/s);
  });

  it("catches an escape hatch on an agent's own Role between two syntheses", () => {
    const { app, charts } = perChartApp();
    expect(() => app.synthYaml()).not.toThrow();
    patchRole(app, charts[5]!);
    expect(() => app.synthYaml()).toThrowError(/agent-5/);
  });

  it('starts the next synthesis afresh after one failed', () => {
    const { app } = perChartApp();
    const other = widen(app);
    expect(() => app.synth()).toThrowError(/GT-K8S-001/);
    app.node.tryRemoveChild(other.node.id);
    expect(() => app.synth()).not.toThrow();
  });

  it('still guards a chart serialized on its own, outside any synthesis, on every call', () => {
    const { app, charts } = perChartApp();
    expect(() => charts[0]!.toJson()).not.toThrow();
    expect(() => Testing.synth(charts[1]!)).not.toThrow();
    widen(app);
    expect(() => charts[0]!.toJson()).toThrowError(/GT-K8S-001/);
    expect(() => Testing.synth(charts[1]!)).toThrowError(/GT-K8S-001/);
  });

  for (const layout of ['one chart per agent', 'all agents in one chart'] as const) {
    for (const method of ['synthYaml', 'synth'] as const) {
      it(`catches what another construct's validation adds during the first pass (${layout}, ${method})`, () => {
        const { app } = layout === 'one chart per agent' ? perChartApp() : oneChartApp();
        new OnFirstValidation(app, 'Prepares', () => widen(app));
        expect(() => app[method]()).toThrowError(/GT-K8S-001.*delete apps\/deployments/s);
      });
    }
  }

  // A construct created by a validation is validated from the next pass on, after the guard read
  // the output in it; what it changes is still there in the last pass, which the guard reads. (With
  // all agents in one chart cdk8s validates only twice, so such a chain can end after the last pass.)
  const chains = {
    'adds a binding': (app: App) => widen(app),
    "patches an agent's own Role": (app: App, charts: Chart[]) => patchRole(app, charts[5]!),
  };
  for (const [what, action] of Object.entries(chains)) {
    for (const method of ['synthYaml', 'synth'] as const) {
      it(`catches a construct that a validation creates and that ${what} when first validated (${method})`, () => {
        const { app, charts } = perChartApp();
        new OnFirstValidation(charts[0]!, 'Outer', (outer) => new OnFirstValidation(outer, 'Inner', () => action(app, charts)));
        expect(() => app[method]()).toThrowError(/GT-K8S-001/);
      });
    }
  }

  // Changes the output does not show until a later pass: the guard reads the last pass too.
  const stateOnly = {
    'a collector that turns requests from a later chart into rules on the Role': (app: App, charts: Chart[]) => {
      const requested = new Set<string>();
      const applied = new Set<string>();
      new Construct(charts[0]!, 'Collector').node.addValidation({
        validate: () => {
          for (const verb of requested) {
            if (applied.has(verb)) continue;
            applied.add(verb);
            patchRole(app, charts[5]!);
          }
          return [];
        },
      });
      new Construct(charts[AGENTS - 1]!, 'Requester').node.addValidation({ validate: () => (requested.add('delete'), []) });
    },
    'a construct replaced by one that patches the Role (the number of constructs unchanged)': (app: App, charts: Chart[]) => {
      new Construct(charts[1]!, 'Placeholder');
      new OnFirstValidation(charts[0]!, 'Swapper', () => {
        charts[1]!.node.tryRemoveChild('Placeholder');
        new OnFirstValidation(charts[1]!, 'Replacement', () => patchRole(app, charts[5]!));
      });
    },
  };
  for (const [what, arrange] of Object.entries(stateOnly)) {
    for (const method of ['synthYaml', 'synth'] as const) {
      it(`catches ${what} (${method})`, () => {
        const { app, charts } = perChartApp();
        arrange(app, charts);
        expect(() => app[method]()).toThrowError(/GT-K8S-001/);
      });
    }
  }

  for (const first of ['super.synth', 'this.synthYaml'] as const) {
    it(`counts every call of cdk8s's synth as a synthesis: an override calling ${first}(), widening, then super.synth()`, () => {
      expect(() => twoWrites(first).synth()).toThrowError(/GT-K8S-001/);
    });
  }
});

/** An App of one chart per agent whose synth() writes twice, widening the app in between; `first` is the first write. */
function twoWrites(first: 'super.synth' | 'this.synthYaml'): App {
  class TwoWrites extends App {
    override synth(): void {
      if (first === 'super.synth') super.synth();
      else this.synthYaml();
      widen(this);
      super.synth();
    }
  }
  const app = new TwoWrites({ outdir: tempOutdir() });
  addAgents(app, (i) => new Chart(app, `agent-${i}`));
  return app;
}

/** A construct that runs `action` the first time it is validated ("prepare in validate": cdk8s has no prepare phase). */
class OnFirstValidation extends Construct {
  constructor(scope: Construct, id: string, action: (self: Construct) => void) {
    super(scope, id);
    let done = false;
    this.node.addValidation({
      validate: () => {
        if (!done) {
          done = true;
          action(this);
        }
        return [];
      },
    });
  }
}
