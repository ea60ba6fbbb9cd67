import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { TrustPhasedAgent } from '../../src/k8s';
import { APPROVERS } from './helpers';

const AGENTS = 12;

/** One chart per agent, the layout that makes cdk8s validate the whole app once per chart. */
function perChartApp(phase: 1 | 2 | 3 | 4 = 2): { app: App; charts: Chart[] } {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gt-synth-')) });
  const charts = Array.from({ length: AGENTS }, (_, i) => {
    const chart = new Chart(app, `agent-${i}`);
    const definition = { ...incidentResponder, name: `agent-${i}`, namespace: `team-${i % 3}`, podLabels: { 'app.kubernetes.io/name': `agent-${i}` } };
    new TrustPhasedAgent(chart, 'Agent', { definition, phase, approvers: APPROVERS });
    return chart;
  });
  return { app, charts };
}

const apiObjects = (app: App) => app.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));

/** A RoleBinding in its own chart giving agent-0 a Role that deletes Deployments. */
function widen(app: App): Chart {
  const other = new Chart(app, 'other');
  new ApiObject(other, 'Writer', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'writer', namespace: 'shop' },
    rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }],
  });
  new ApiObject(other, 'Sneaky', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'sneaky', namespace: 'shop' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'writer' },
    subjects: [{ kind: 'ServiceAccount', name: 'agent-0', namespace: 'team-0' }],
  });
  return other;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the cdk8s guard over one synthesis', () => {
  for (const method of ['synthYaml', 'synth'] as const) {
    it(`reads the app's output once per ${method}(), however many charts validate it`, () => {
      const { app } = perChartApp();
      const objects = apiObjects(app).length;
      const toJson = vi.spyOn(ApiObject.prototype, 'toJson');
      app[method]();
      // once for the guard, once for what cdk8s writes; it was once more for every chart
      expect(toJson.mock.calls.length).toBe(2 * objects);
      toJson.mockClear();
      app[method]();
      expect(toJson.mock.calls.length, 'a second synthesis reads the output again').toBe(2 * objects);
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
    const role = apiObjects(app).find((o) => o.kind === 'Role' && charts[5]!.node.findAll().includes(o))!;
    role.addJsonPatch(JsonPatch.add('/rules/-', { apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }));
    expect(() => app.synthYaml()).toThrowError(/agent-5/);
  });

  it('starts the next synthesis afresh after one failed', () => {
    const { app } = perChartApp();
    const other = widen(app);
    expect(() => app.synth()).toThrowError(/GT-K8S-001/);
    app.node.tryRemoveChild(other.node.id);
    expect(() => app.synth()).not.toThrow();
  });

  it('still guards a chart serialized on its own, outside any synthesis', () => {
    const { app, charts } = perChartApp();
    widen(app);
    expect(() => charts[0]!.toJson()).toThrowError(/GT-K8S-001/);
  });
});
