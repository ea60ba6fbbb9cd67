/**
 * A cluster and requests for deciding the agent's admission policies with the evaluator in
 * test/support/vap.ts: the synthesized policies and params, Deployments as the API server stores
 * them, and the updates `kubectl rollout restart` and `kubectl scale` send.
 */
import { approvalEpoch, kubernetesApprovalKey } from '../../src/definition/approvals';
import type { AgentDefinition } from '../../src/definition/types';
import { incidentResponder } from '../../examples/incident-responder';
import type { Phase } from '../../src/phase/table';
import type { AdmissionCluster, AdmissionRequest, JsonObject } from '../support/vap';
import { named, ofKind, synth } from './helpers';

export const SINCE = '2026-11-25T08:00:00Z';
export const EPOCH = approvalEpoch(SINCE);
export const AGENT = { username: 'system:serviceaccount:ops-agents:incident-responder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ops-agents', 'system:authenticated'] };
export const ALICE = { username: 'alice@example.com', groups: ['sre-oncall', 'system:authenticated'] };
export const EDITOR = { username: 'bob@example.com', groups: ['shop-developers', 'system:authenticated'] };
export const RS_CONTROLLER = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };

export const namespace = (name: string): JsonObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
export const configMap = (ns: string, name: string, data: Record<string, string>, resourceVersion = '1'): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, resourceVersion }, data });

/** The cluster after applying the synthesized output, with the operator's approvals ConfigMap. */
export function cluster(def: AgentDefinition, phase: Phase, approvals?: Record<string, string>): AdmissionCluster {
  const manifests = synth(def, phase, { since: SINCE });
  const phaseConfig = named(manifests, 'ConfigMap', `${def.name}-phase`) as unknown as JsonObject;
  // The construct renders the approvals ConfigMap without data; operators add entries. `undefined`: someone deleted it.
  const rendered = named(manifests, 'ConfigMap', `${def.name}-approvals`) as unknown as JsonObject;
  return {
    policies: ofKind(manifests, 'ValidatingAdmissionPolicy') as unknown as JsonObject[],
    bindings: ofKind(manifests, 'ValidatingAdmissionPolicyBinding') as unknown as JsonObject[],
    namespaces: ['shop', 'ops-agents', 'kube-system'].map(namespace),
    params: [phaseConfig, ...(approvals ? [{ ...rendered, data: approvals }] : [])],
  };
}

interface DeploymentOptions {
  readonly name?: string;
  readonly resourceVersion?: string;
  readonly annotations?: Record<string, string>;
  readonly spec?: Record<string, unknown>;
}

/** A Deployment of `shop` as the API server stores it. */
export function deployment({ name = 'checkout', resourceVersion = '100', annotations, spec = {} }: DeploymentOptions = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', resourceVersion, generation: 7, labels: { app: name }, managedFields: [{ manager: 'argocd' }] },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(annotations ? { annotations } : {}) },
        spec: {
          serviceAccountName: name,
          containers: [
            { name: 'app', image: `registry.example.com/shop/${name}:1.4.2`, env: [{ name: 'MODE', value: 'prod' }] },
            { name: 'proxy', image: 'registry.example.com/mesh/proxy:2.0' },
          ],
          ...spec,
        },
      },
    },
    status: { replicas: 3, readyReplicas: 3 },
  };
}

/** An update of a Deployment by `user`, as a patch arrives at admission: the whole new object and the stored one. */
export function update(oldObject: JsonObject, object: JsonObject, user = AGENT): AdmissionRequest {
  const meta = oldObject['metadata'] as { name: string; namespace: string };
  return { operation: 'UPDATE', resource: { group: 'apps', version: 'v1', resource: 'deployments' }, kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, namespace: meta.namespace, name: meta.name, userInfo: user, object, oldObject };
}

export const RESTARTED = { 'kubectl.kubernetes.io/restartedAt': '2026-11-25T09:00:00Z' };

/** `kubectl rollout restart`: the new template annotation, and the server's new generation and managedFields. */
export function restarted(old: JsonObject): JsonObject {
  const o = structuredClone(old) as { metadata: Record<string, unknown>; spec: { template: { metadata: Record<string, unknown> } } };
  o.metadata['generation'] = 8;
  o.metadata['managedFields'] = [{ manager: 'argocd' }, { manager: 'kubectl-rollout' }];
  o.spec.template.metadata['annotations'] = { ...((o.spec.template.metadata['annotations'] as object | undefined) ?? {}), ...RESTARTED };
  return o as unknown as JsonObject;
}

/** The same with `mutate` applied to the pod spec as well. */
export function hostile(old: JsonObject, mutate: (podSpec: Record<string, unknown>) => void): JsonObject {
  const o = restarted(old) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
  mutate(o.spec.template.spec);
  return o as unknown as JsonObject;
}

export function scale(name: string, from: number, to: number, resourceVersion = '100'): AdmissionRequest {
  const s = (replicas: number) => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace: 'shop', resourceVersion }, spec: { replicas }, status: { replicas: from } });
  return { operation: 'UPDATE', resource: { group: 'apps', version: 'v1', resource: 'deployments' }, subResource: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, namespace: 'shop', name, userInfo: AGENT, object: s(to), oldObject: s(from) };
}

export const key = (action: string, name: string, resourceVersion = '100', options: { subresource?: string; epoch?: string } = {}) =>
  kubernetesApprovalKey({ epoch: options.epoch ?? EPOCH, action, apiGroup: 'apps', resource: 'deployments', subresource: options.subresource ?? '', namespace: 'shop', name, resourceVersion });

/** The example with every kind of action in its autonomous tier. */
export const WITH_ACTIONS: AgentDefinition = {
  ...incidentResponder,
  autonomous: {
    kubernetesActions: [
      { action: 'set-image', kind: 'apps/deployments', names: ['checkout'], namespaces: ['shop'], containers: ['app'], repositories: ['registry.example.com/shop/checkout'] },
      { action: 'patch-fields', kind: 'configmaps', names: ['checkout-flags'], namespaces: ['shop'], fields: ['data["feature-x"]'] },
      { action: 'patch-fields', kind: 'apps/deployments', names: ['cart'], namespaces: ['shop'], fields: ['spec.replicas', 'metadata.labels["tier"]'] },
      { action: 'delete-pod', namespaces: ['shop'], podLabels: { 'app.kubernetes.io/part-of': 'shop' } },
      { action: 'restart', kind: 'apps/deployments', namespaces: ['shop'] },
    ],
  },
};
