import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { KubeConfigMap, KubeCronJob, KubeDeployment } from 'cdk8s-plus-33/lib/imports/k8s';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { APPROVERS } from '../../examples/k8s-app';
import { runGuard } from '../../src/analysis/guard/run';
import { TrustPhasedAgent } from '../../src/k8s/agent';
import { synthesizedManifests } from '../../src/k8s/guard';
import { wirePod } from '../../src/k8s/pod';
import { PHASE_CONFIG_DIR } from '../../src/runtime';
import { evaluateAdmission } from '../support/vap';
import { cluster, RS_CONTROLLER } from './admission-fixtures';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** GIVEN the example agent in phase 3 in its namespace's chart. */
function setup(namespace = 'ops-agents') {
  const app = new App();
  const chart = new Chart(app, 'agent', { namespace });
  const agent = new TrustPhasedAgent(chart, 'IncidentResponder', { definition: incidentResponder, phase: 3, approvers: APPROVERS });
  return { app, chart, agent };
}

/** The synthesized object at `path` (construct path). */
function synthesized(app: App, path: string): Json {
  return app.charts.flatMap((c) => c.node.findAll()).filter((c): c is ApiObject => ApiObject.isApiObject(c)).find((o) => o.node.path === path)!.toJson();
}

/** GT-K8S-008 findings of the whole app, as the guard sees it at synth. */
function unwired(app: App): string[] {
  const output = { manifests: synthesizedManifests(app), stacks: [] };
  return runGuard({ output, definition: incidentResponder, phase: 3, kubernetes: { approvers: APPROVERS } }).filter((f) => f.ruleId === 'GT-K8S-008').map((f) => `${f.level} ${f.where}: ${f.what}`);
}

const MOUNT = { name: 'graduated-trust-phase', mountPath: '/etc/graduated-trust', readOnly: true };

describe('wirePod', () => {
  it('wires a cdk8s-plus Deployment: ServiceAccount, token, fence labels, the phase ConfigMap read-only in every container', () => {
    const { app, chart, agent } = setup();
    const deployment = new kplus.Deployment(chart, 'Agent', { containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1.4' }, { name: 'sidecar', image: 'ghcr.io/acme/log:2' }] });
    const wiring = wirePod(agent, deployment);
    expect(wiring).toEqual({
      serviceAccountName: 'incident-responder', labels: { 'app.kubernetes.io/name': 'incident-responder' }, automountServiceAccountToken: true,
      volume: { name: 'graduated-trust-phase', configMap: 'incident-responder-phase', mountPath: PHASE_CONFIG_DIR }, containers: ['agent', 'sidecar'],
    });
    const template = synthesized(app, 'agent/Agent/Resource').spec.template;
    expect(template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'incident-responder' });
    expect(template.spec).toMatchObject({ serviceAccountName: 'incident-responder', automountServiceAccountToken: true });
    expect(template.spec.volumes).toContainEqual({ name: 'graduated-trust-phase', configMap: { name: 'incident-responder-phase' } });
    for (const c of template.spec.containers) expect(c.volumeMounts, c.name).toContainEqual(MOUNT);
    expect(unwired(app)).toEqual([]);
  });

  it('wires a raw KubeDeployment without pod metadata, and a CronJob at its job template', () => {
    const { app, chart, agent } = setup();
    const raw = new KubeDeployment(chart, 'Raw', { spec: { selector: { matchLabels: { app: 'raw' } }, template: { spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }], volumes: [{ name: 'tmp', emptyDir: {} }] } } } });
    const cron = new KubeCronJob(chart, 'Cron', { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { metadata: { labels: { app: 'cron' } }, spec: { containers: [{ name: 'c', image: 'x' }], restartPolicy: 'Never' } } } } } });
    wirePod(agent, raw, { automountServiceAccountToken: false });
    wirePod(agent, cron);
    const rawPod = synthesized(app, 'agent/Raw').spec.template;
    expect(rawPod.metadata).toEqual({ labels: { 'app.kubernetes.io/name': 'incident-responder' } });
    expect(rawPod.spec.automountServiceAccountToken).toBe(false);
    expect(rawPod.spec.volumes.map((v: Json) => v.name)).toEqual(['tmp', 'graduated-trust-phase']);
    expect(rawPod.spec.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, MOUNT]);
    const cronPod = synthesized(app, 'agent/Cron').spec.jobTemplate.spec.template;
    expect(cronPod.metadata.labels).toEqual({ app: 'cron', 'app.kubernetes.io/name': 'incident-responder' });
    expect(cronPod.spec.containers[0].volumeMounts).toEqual([MOUNT]);
    expect(unwired(app)).toEqual([]);
  });

  it('makes a pod the fence admits', () => {
    const { app, chart, agent } = setup();
    wirePod(agent, new kplus.Deployment(chart, 'Agent', { containers: [{ image: 'x' }] }));
    const template = synthesized(app, 'agent/Agent/Resource').spec.template;
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'agent-1', namespace: 'ops-agents', ...template.metadata }, spec: template.spec };
    const request = { operation: 'CREATE' as const, resource: { group: '', version: 'v1', resource: 'pods' }, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'ops-agents', name: 'agent-1', userInfo: RS_CONTROLLER, object };
    expect(evaluateAdmission(cluster(incidentResponder, 3), request).allowed).toBe(true);
  });

  it.each<[string, (s: ReturnType<typeof setup>) => unknown, string]>([
    ['on an object that runs no pods', ({ chart, agent }) => wirePod(agent, new KubeConfigMap(chart, 'Cm', {})), 'ConfigMap (v1) runs no pods wirePod can point at'],
    ['on another ServiceAccount', ({ chart, agent }) => wirePod(agent, new KubeDeployment(chart, 'D', { spec: { selector: {}, template: { spec: { serviceAccountName: 'payments', containers: [{ name: 'a' }] } } } })), 'the pod runs as ServiceAccount "payments"'],
    ['on a conflicting pod label', ({ chart, agent }) => wirePod(agent, new KubeDeployment(chart, 'D', { spec: { selector: {}, template: { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { containers: [{ name: 'a' }] } } } })), 'the pod label app.kubernetes.io/name is "web"'],
    ['without containers', ({ chart, agent }) => wirePod(agent, new KubeDeployment(chart, 'D', { spec: { selector: {}, template: { spec: { containers: [] } } } })), 'the pod has no containers'],
    ['twice', ({ chart, agent }) => {
      const d = new kplus.Deployment(chart, 'Agent', { containers: [{ image: 'x' }] });
      wirePod(agent, d);
      wirePod(agent, d);
    }, 'it is wired; call wirePod once per workload'],
  ])('fails %s, naming the workload', (_what, act, message) => {
    const s = setup();
    expect(() => act(s)).toThrow(message);
  });

  it('mounts the phase ConfigMap in init containers too: they run with the agent\'s token', () => {
    const { app, chart, agent } = setup();
    const raw = new KubeDeployment(chart, 'Init', { spec: { selector: {}, template: { spec: { initContainers: [{ name: 'fetch', image: 'x' }], containers: [{ name: 'a', image: 'x' }] } } } });
    wirePod(agent, raw);
    const pod = synthesized(app, 'agent/Init').spec.template;
    expect(pod.spec.initContainers[0].volumeMounts).toEqual([MOUNT]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([MOUNT]);
    expect(unwired(app)).toEqual([]);
  });

  it('fails on a workload in another namespace than the agent\'s ServiceAccount', () => {
    const { app, agent } = setup();
    const web = new Chart(app, 'web', { namespace: 'shop' });
    expect(() => wirePod(agent, new kplus.Deployment(web, 'Agent', { containers: [{ image: 'x' }] })))
      .toThrow('web/Agent/Resource: the workload is in namespace "shop", but the agent\'s ServiceAccount is in "ops-agents"; create the workload in a Chart with namespace "ops-agents"');
  });
});

describe('GT-K8S-008: a workload runs as the agent without wirePod', () => {
  it('warns on a Deployment that names the ServiceAccount by hand, saying what it lacks', () => {
    const { app, chart } = setup();
    new kplus.Deployment(chart, 'ByHand', { containers: [{ name: 'agent', image: 'x' }], serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'Sa', 'incident-responder'), automountServiceAccountToken: true });
    expect(unwired(app)).toEqual([
      'warning agent/ByHand/Resource: Deployment ops-agents/agent-byhand-c892c4c1 runs as the agent\'s ServiceAccount incident-responder without the pod labels app.kubernetes.io/name=incident-responder (the fence rejects such pods, and the NetworkPolicy does not select them), a volume of ConfigMap incident-responder-phase, a read-only mount of it at /etc/graduated-trust in container agent',
    ]);
  });

  it('warns on a container added after wiring, and not on workloads of other ServiceAccounts or namespaces', () => {
    const { app, chart, agent } = setup();
    const d = new kplus.Deployment(chart, 'Agent', { containers: [{ name: 'agent', image: 'x' }] });
    wirePod(agent, d);
    d.addContainer({ name: 'late', image: 'y' });
    new kplus.Deployment(chart, 'Other', { containers: [{ image: 'x' }] });
    new KubeDeployment(new Chart(app, 'web', { namespace: 'shop' }), 'Same', { spec: { selector: {}, template: { spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'a' }] } } } });
    const found = unwired(app);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^warning agent\/Agent\/Resource: Deployment .* without a read-only mount of it at \/etc\/graduated-trust in container late$/);
  });

  it.each<[string, Json]>([
    ['an empty serviceAccountName beside the deprecated serviceAccount (the API server uses the latter)', { serviceAccountName: '', serviceAccount: 'incident-responder', containers: [{ name: 'a' }] }],
    ['an init container without the mount', { serviceAccountName: 'incident-responder', initContainers: [{ name: 'fetch' }], containers: [{ name: 'a' }] }],
  ])('warns, as an attacker would hide it, on %s', (_what, spec) => {
    const { app, chart, agent } = setup();
    const d = new KubeDeployment(chart, 'Hidden', { spec: { selector: {}, template: { spec: { containers: [] } } } });
    d.addJsonPatch(JsonPatch.replace('/spec/template/spec', spec));
    if (spec['initContainers']) {
      wirePod(agent, new kplus.Deployment(chart, 'Wired', { containers: [{ image: 'x' }] }));
      d.addJsonPatch(JsonPatch.add('/spec/template/metadata', { labels: { 'app.kubernetes.io/name': 'incident-responder' } }), JsonPatch.add('/spec/template/spec/volumes', [{ name: 'p', configMap: { name: 'incident-responder-phase' } }]), JsonPatch.add('/spec/template/spec/containers/0/volumeMounts', [{ name: 'p', mountPath: PHASE_CONFIG_DIR, readOnly: true }]));
    }
    const found = unwired(app);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^warning agent\/Hidden: Deployment ops-agents\/.* runs as the agent's ServiceAccount incident-responder without/);
    if (spec['initContainers']) expect(found[0]).toMatch(/in container fetch$/);
  });

  it('warns on a workload without a namespace: applied with -n, it lands in the agent\'s', () => {
    const { app } = setup();
    new KubeDeployment(new Chart(app, 'loose'), 'Loose', { spec: { selector: {}, template: { spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'a' }] } } } });
    expect(unwired(app)).toEqual([expect.stringMatching(/^warning loose\/Loose: Deployment .* runs as the agent's ServiceAccount incident-responder without the pod labels/)]);
  });

  it('warns on a namespace written as an empty string (it lands where it is applied, like none), in output order beside the agent\'s own', () => {
    const { app, chart } = setup();
    const blank = new KubeDeployment(new Chart(app, 'blank'), 'Blank', { spec: { selector: {}, template: { spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'a' }] } } } });
    blank.addJsonPatch(JsonPatch.add('/metadata/namespace', ''));
    new KubeDeployment(chart, 'Named', { spec: { selector: {}, template: { spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'b' }] } } } });
    new KubeDeployment(new Chart(app, 'loose'), 'Loose', { spec: { selector: {}, template: { spec: { serviceAccountName: 'incident-responder', containers: [{ name: 'c' }] } } } });
    expect(unwired(app).map((f) => f.split(':')[0])).toEqual(['warning agent/Named', 'warning blank/Blank', 'warning loose/Loose']);
  });
});
