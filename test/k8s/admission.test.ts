/**
 * The agent's admission policies, decided by a ValidatingAdmissionPolicy evaluator on a real CEL
 * engine (test/support/vap.ts: @bufbuild/cel behind a port of cel-go's checker, with the API
 * server's matching, params and failurePolicy). Tried as an attacker would: hostile pod-template
 * patches, reused and stale approvals, approvals written by the wrong people, pods escaping the fence.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { PHASE_VALUES } from '../../src/phase/table';
import { approvalEpoch } from '../../src/definition/approvals';
import { evaluateAdmission, policyCompileErrors, type AdmissionRequest, type JsonObject } from '../support/vap';
import { WITH_ACTIONS, AGENT, namespace, ALICE, EDITOR, RS_CONTROLLER, configMap, cluster, deployment, update, RESTARTED, restarted, hostile, scale, key } from './admission-fixtures';

const HOSTILE: ReadonlyArray<readonly [string, (podSpec: Record<string, unknown>) => void]> = [
  ['runs as another ServiceAccount', (p) => { p['serviceAccountName'] = 'payments-admin'; }],
  ['mounts a Secret', (p) => { p['volumes'] = [{ name: 's', secret: { secretName: 'db-password' } }]; }],
  ['mounts the node root with hostPath', (p) => { p['volumes'] = [{ name: 'root', hostPath: { path: '/' } }]; }],
  ['runs privileged', (p) => { (p['containers'] as Array<Record<string, unknown>>)[0]!['securityContext'] = { privileged: true }; }],
  ['swaps the image', (p) => { (p['containers'] as Array<Record<string, unknown>>)[0]!['image'] = 'evil.example.com/miner:latest'; }],
  ['adds a container', (p) => { (p['containers'] as unknown[]).push({ name: 'exfil', image: 'evil.example.com/exfil:1' }); }],
  ['changes the command', (p) => { (p['containers'] as Array<Record<string, unknown>>)[0]!['command'] = ['sh', '-c', 'cat /var/run/secrets/*']; }],
  ['uses the host network', (p) => { p['hostNetwork'] = true; }],
];

describe('admission policies of TrustPhasedAgent', () => {
  it.each(PHASE_VALUES)('compile on the API server in phase %i, for the example and for every action kind', (phase) => {
    for (const def of [incidentResponder, WITH_ACTIONS]) {
      for (const policy of cluster(def, phase).policies) expect(policyCompileErrors(policy), `${def.name} ${(policy['metadata'] as { name: string }).name}`).toEqual([]);
    }
  });

  it('leaves other users alone and denies the agent every write in phases 1 and 2', () => {
    for (const phase of [1, 2] as const) {
      const c = cluster(incidentResponder, phase, { [key('restart', 'checkout')]: ALICE.username });
      const req = update(deployment(), restarted(deployment()));
      expect(evaluateAdmission(c, req).status?.message).toContain(`incident-responder is in phase ${phase}`);
      expect(evaluateAdmission(c, { ...req, userInfo: EDITOR }).allowed).toBe(true);
    }
  });
});

describe('phase 3: one declared action, one approval, one write', () => {
  const old = deployment();

  it('admits an approved restart that changes only the restart annotation', () => {
    const c = cluster(incidentResponder, 3, { [key('restart', 'checkout')]: ALICE.username });
    expect(evaluateAdmission(c, update(old, restarted(old))).allowed).toBe(true);
  });

  it('fails a restart without an approval, naming the key to set and where', () => {
    const res = evaluateAdmission(cluster(incidentResponder, 3, {}), update(old, restarted(old)));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain(`needs an operator approval: an approver sets key ${key('restart', 'checkout')} to their username in ConfigMap ops-agents/incident-responder-approvals`);
  });

  it.each(HOSTILE)('fails a restart that also %s, even with the restart approved', (_what, mutate) => {
    const c = cluster(incidentResponder, 3, { [key('restart', 'checkout')]: ALICE.username });
    const res = evaluateAdmission(c, update(old, hostile(old, mutate)));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain('is not one of its declared actions');
  });

  it('fails a reused approval: after the write the object has another resourceVersion', () => {
    const c = cluster(incidentResponder, 3, { [key('restart', 'checkout', '100')]: ALICE.username });
    const after = deployment({ resourceVersion: '101', annotations: RESTARTED });
    expect(evaluateAdmission(c, update(after, restarted(after))).allowed).toBe(false);
  });

  it('fails an approval given before the agent re-entered phase 3', () => {
    const stale = key('restart', 'checkout', '100', { epoch: approvalEpoch('2026-10-01T00:00:00Z') });
    expect(evaluateAdmission(cluster(incidentResponder, 3, { [stale]: ALICE.username }), update(old, restarted(old))).allowed).toBe(false);
  });

  it('fails an approval of another action or object', () => {
    for (const wrong of [key('scale', 'checkout', '100', { subresource: 'scale' }), key('restart', 'cart')]) {
      expect(evaluateAdmission(cluster(incidentResponder, 3, { [wrong]: ALICE.username }), update(old, restarted(old))).allowed).toBe(false);
    }
  });

  it('admits an approved scale within the declared bounds and fails one outside them', () => {
    const approvals = { [key('scale', 'checkout', '100', { subresource: 'scale' })]: ALICE.username };
    expect(evaluateAdmission(cluster(incidentResponder, 3, approvals), scale('checkout', 3, 5)).allowed).toBe(true);
    expect(evaluateAdmission(cluster(incidentResponder, 3, approvals), scale('checkout', 3, 50)).allowed).toBe(false);
    expect(evaluateAdmission(cluster(incidentResponder, 3, approvals), scale('checkout', 3, 1)).allowed).toBe(false);
  });

  it('fails closed when the approvals ConfigMap was deleted, holding up only writes to the objects the remediate tier names', () => {
    expect(evaluateAdmission(cluster(incidentResponder, 3), update(old, restarted(old))).status?.message).toContain('no params found');
    const search = deployment({ name: 'search' });
    expect(evaluateAdmission(cluster(incidentResponder, 3), update(search, restarted(search), EDITOR)).allowed).toBe(true);
    expect(evaluateAdmission(cluster(incidentResponder, 3), update(old, restarted(old), EDITOR)).status?.message).toContain('no params found');
  });

  it('never holds up other users\' writes elsewhere, whatever ConfigMap is missing', () => {
    const other = configMap('web', 'settings', { a: '1' });
    const req: AdmissionRequest = { operation: 'UPDATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: { group: '', version: 'v1', kind: 'ConfigMap' }, namespace: 'web', name: 'settings', userInfo: EDITOR, object: other, oldObject: other };
    for (const phase of PHASE_VALUES) expect(evaluateAdmission({ ...cluster(incidentResponder, phase), params: [], namespaces: ['web', 'shop', 'ops-agents'].map(namespace) }, req).allowed, `phase ${phase}`).toBe(true);
  });

  it('fails a delete, a create and an exec, which no remediate action declares', () => {
    const c = cluster(incidentResponder, 3, {});
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checkout-7d9f', namespace: 'shop', resourceVersion: '5', labels: { 'app.kubernetes.io/part-of': 'shop' } } };
    const del: AdmissionRequest = { operation: 'DELETE', resource: { group: '', version: 'v1', resource: 'pods' }, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'shop', name: 'checkout-7d9f', userInfo: AGENT, oldObject: pod };
    const create: AdmissionRequest = { operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'shop', name: 'x', userInfo: AGENT, object: pod };
    const exec: AdmissionRequest = { operation: 'CONNECT', resource: { group: '', version: 'v1', resource: 'pods' }, subResource: 'exec', kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, namespace: 'shop', name: 'checkout-7d9f', userInfo: AGENT, object: { apiVersion: 'v1', kind: 'PodExecOptions', command: ['sh'] } };
    for (const req of [del, create, exec]) expect(evaluateAdmission(c, req).allowed, req.operation).toBe(false);
  });
});

/** A definition using every action of the catalogue in the autonomous tier. */

describe('phase 4: declared actions, no approval, still bounded', () => {
  const c = cluster(WITH_ACTIONS, 4);

  it('admits a restart of any deployment of shop without an approval, and nothing more', () => {
    const other = deployment({ name: 'search' });
    expect(evaluateAdmission(c, update(other, restarted(other))).allowed).toBe(true);
    for (const [what, mutate] of HOSTILE) expect(evaluateAdmission(c, update(other, hostile(other, mutate))).allowed, what).toBe(false);
  });

  it('admits set-image to the allowed repository only, for the named container only', () => {
    const old = deployment();
    const withImage = (container: number, image: string, extra?: (c: Record<string, unknown>) => void) => {
      const o = structuredClone(old) as unknown as { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } };
      o.spec.template.spec.containers[container]!['image'] = image;
      extra?.(o.spec.template.spec.containers[container]!);
      return o as unknown as JsonObject;
    };
    expect(evaluateAdmission(c, update(old, withImage(0, 'registry.example.com/shop/checkout:1.5.0'))).allowed).toBe(true);
    expect(evaluateAdmission(c, update(old, withImage(0, `registry.example.com/shop/checkout@sha256:${'a'.repeat(64)}`))).allowed).toBe(true);
    expect(evaluateAdmission(c, update(old, withImage(0, 'registry.example.com/shop/checkout-evil:1'))).allowed).toBe(false);
    expect(evaluateAdmission(c, update(old, withImage(0, 'registry.example.com/shop/checkout:5000/x'))).allowed).toBe(false);
    expect(evaluateAdmission(c, update(old, withImage(1, 'registry.example.com/shop/checkout:1.5.0'))).allowed).toBe(false);
    expect(evaluateAdmission(c, update(old, withImage(0, 'registry.example.com/shop/checkout:1.5.0', (x) => { x['env'] = []; }))).allowed).toBe(false);
  });

  it('admits patch-fields changes of the declared fields only', () => {
    const flags = configMap('shop', 'checkout-flags', { 'feature-x': 'off', 'feature-y': 'on' }, '9');
    const cmUpdate = (data: Record<string, string>): AdmissionRequest => ({
      operation: 'UPDATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: { group: '', version: 'v1', kind: 'ConfigMap' }, namespace: 'shop', name: 'checkout-flags', userInfo: AGENT,
      object: { ...flags, data }, oldObject: flags,
    });
    expect(evaluateAdmission(c, cmUpdate({ 'feature-x': 'on', 'feature-y': 'on' })).allowed).toBe(true);
    expect(evaluateAdmission(c, cmUpdate({ 'feature-x': 'off', 'feature-y': 'off' })).allowed).toBe(false);
    expect(evaluateAdmission(c, cmUpdate({ 'feature-x': 'on', 'feature-y': 'on', injected: '1' })).allowed).toBe(false);
    expect(evaluateAdmission(c, cmUpdate({ 'feature-x': 'off' })).allowed).toBe(false);
    // The declared field may change in any way, removal included.
    expect(evaluateAdmission(c, cmUpdate({ 'feature-y': 'on' })).allowed).toBe(true);

    const cart = deployment({ name: 'cart' });
    const patched = structuredClone(cart) as unknown as { metadata: { labels: Record<string, string> }; spec: { replicas: number; template: { spec: Record<string, unknown> } } };
    patched.spec.replicas = 6;
    patched.metadata.labels['tier'] = 'gold';
    expect(evaluateAdmission(c, update(cart, patched as unknown as JsonObject)).allowed).toBe(true);
    patched.spec.template.spec['serviceAccountName'] = 'payments-admin';
    expect(evaluateAdmission(c, update(cart, patched as unknown as JsonObject)).allowed).toBe(false);
  });

  it('admits delete-pod only for pods carrying the declared labels', () => {
    const del = (labels: Record<string, string>): AdmissionRequest => ({
      operation: 'DELETE', resource: { group: '', version: 'v1', resource: 'pods' }, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'shop', name: 'p', userInfo: AGENT,
      oldObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', resourceVersion: '3', labels } },
    });
    expect(evaluateAdmission(c, del({ 'app.kubernetes.io/part-of': 'shop', app: 'checkout' })).allowed).toBe(true);
    expect(evaluateAdmission(c, del({ app: 'vault' })).allowed).toBe(false);
  });
});

describe('the approvals ConfigMap: only approvers write it, each entry in their own name', () => {
  const approvalsWrite = (user: typeof ALICE, data: Record<string, string>, old?: Record<string, string>): AdmissionRequest => {
    const object = configMap('ops-agents', 'incident-responder-approvals', data, '2');
    return {
      operation: old ? 'UPDATE' : 'CREATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      namespace: 'ops-agents', name: 'incident-responder-approvals', userInfo: user, object,
      ...(old ? { oldObject: configMap('ops-agents', 'incident-responder-approvals', old, '1') } : {}),
    };
  };
  const k = key('restart', 'checkout');

  it('admits an approver writing an approval in their own name while the agent is in phase 3', () => {
    expect(evaluateAdmission(cluster(incidentResponder, 3), approvalsWrite(ALICE, { [k]: ALICE.username }, {})).allowed).toBe(true);
  });

  it('admits the GitOps controller applying the ConfigMap without touching its entries', () => {
    const argo = { username: 'system:serviceaccount:argocd:argocd-application-controller', groups: ['system:serviceaccounts'] };
    expect(evaluateAdmission(cluster(incidentResponder, 3), approvalsWrite(argo, {})).allowed).toBe(true);
    expect(evaluateAdmission(cluster(incidentResponder, 3), approvalsWrite(argo, { [k]: ALICE.username }, { [k]: ALICE.username })).allowed).toBe(true);
    expect(evaluateAdmission(cluster(incidentResponder, 3), approvalsWrite(argo, { [k]: argo.username }, {})).allowed).toBe(false);
  });

  it('fails a write by an edit holder, by the agent, or in another approver\'s name', () => {
    const c = cluster(incidentResponder, 3);
    expect(evaluateAdmission(c, approvalsWrite(EDITOR, { [k]: EDITOR.username })).status?.message).toContain('only approvers of incident-responder (group sre-oncall)');
    const byAgent = evaluateAdmission(c, approvalsWrite({ ...AGENT, groups: [...AGENT.groups, 'sre-oncall'] }, { [k]: AGENT.username }));
    expect(byAgent.allowed).toBe(false);
    const guard = byAgent.invocations.find((i) => i.policy === 'incident-responder-approvals.graduated-trust.dev')!;
    expect(guard.decisions.map((d) => d.message)).toContain('incident-responder can never write its own approvals');
    expect(evaluateAdmission(c, approvalsWrite(ALICE, { [k]: 'carol@example.com' })).status?.message).toContain('set it to alice@example.com');
  });

  it('fails new approvals outside phase 3 but lets an approver remove old ones', () => {
    const c = cluster(incidentResponder, 4);
    expect(evaluateAdmission(c, approvalsWrite(ALICE, { [k]: ALICE.username }, {})).allowed).toBe(false);
    expect(evaluateAdmission(c, approvalsWrite(ALICE, {}, { [k]: ALICE.username })).allowed).toBe(true);
  });
});

describe('the fence follows the identity', () => {
  const pod = (labels: Record<string, string>, spec: Record<string, unknown> = {}, serviceAccountName = 'incident-responder'): AdmissionRequest => ({
    operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, kind: { group: '', version: 'v1', kind: 'Pod' }, namespace: 'ops-agents', name: 'x', userInfo: RS_CONTROLLER,
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'ops-agents', labels }, spec: { serviceAccountName, containers: [{ name: 'a', image: 'x' }], ...spec } },
  });
  const agentLabels = { 'app.kubernetes.io/name': 'incident-responder' };

  it.each(PHASE_VALUES)('admits a pod of the agent with its labels and fails one without them or on the host network, in phase %i', (phase) => {
    const c = cluster(incidentResponder, phase);
    expect(evaluateAdmission(c, pod(agentLabels)).allowed).toBe(true);
    expect(evaluateAdmission(c, pod({ app: 'sneaky' })).status?.message).toContain('must carry the labels app.kubernetes.io/name=incident-responder');
    expect(evaluateAdmission(c, pod(agentLabels, { hostNetwork: true })).status?.message).toContain('may not use the host network');
    expect(evaluateAdmission(c, pod({ app: 'other' }, {}, 'other')).allowed).toBe(true);
  });
});

