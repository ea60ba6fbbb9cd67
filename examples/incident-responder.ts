import { KubeKind, type AgentDefinition } from '../src';

/** The example's AWS account and region. */
const ACCOUNT = 'arn:aws:ecs:eu-west-1:111122223333';

/** ECS services may only run their own task definition families, never with execute-command. */
const PINNED_TASKS = {
  ArnLikeIfExists: { 'ecs:task-definition': [`${ACCOUNT}:task-definition/checkout:*`, `${ACCOUNT}:task-definition/cart:*`] },
  StringEqualsIfExists: { 'ecs:enable-execute-command': 'false' },
};

/**
 * The example agent: diagnoses the `shop` namespace, reads Prometheus, calls a model API,
 * posts recommendations to a chat webhook (phase ≥ 2), restarts and scales the named deployments
 * `checkout` and `cart` with an operator's approval per write (phase 3), and restarts, scales
 * and replaces pods of any deployment in `shop` on its own (phase 4). Writes are typed actions:
 * admission compares each write with the object's previous version, so a restart can change the
 * restart annotation and nothing else.
 */
export const incidentResponder: AgentDefinition = {
  name: 'incident-responder',
  namespace: 'ops-agents',
  podLabels: { 'app.kubernetes.io/name': 'incident-responder' },
  observe: {
    kubernetes: [
      { apiGroups: [''], resources: ['pods', 'pods/log', 'events', 'services', 'endpoints', 'configmaps'], namespaces: ['shop'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets'], namespaces: ['shop'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], namespaces: ['shop'] },
      { apiGroups: [''], resources: ['nodes', 'namespaces'], clusterScoped: true },
    ],
    egress: [
      { name: 'prometheus', to: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }, ports: [{ port: 9090 }] },
      { name: 'kube-apiserver', to: { cidr: '10.0.0.1/32' }, ports: [{ port: 443 }, { port: 6443 }] },
      { name: 'vault', to: { namespace: 'vault', podLabels: { 'app.kubernetes.io/name': 'vault' } }, ports: [{ port: 8200 }] },
      { name: 'model-api', to: { cidr: '203.0.113.0/28' }, ports: [{ port: 443 }] },
    ],
    vault: [
      { path: 'secret/data/agents/incident-responder/*', capabilities: ['read'] },
      { path: 'secret/metadata/agents/incident-responder/*', capabilities: ['list'] },
    ],
    aws: [
      { actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'ecs:DescribeServices'], resources: ['*'] },
      { actions: ['logs:FilterLogEvents'], resources: ['arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/shop/*'] },
    ],
  },
  recommend: {
    egress: [{ name: 'chat-webhook', to: { cidr: '198.51.100.10/32' }, ports: [{ port: 443 }] }],
  },
  remediate: {
    kubernetesActions: [
      { action: 'restart', kind: KubeKind.DEPLOYMENTS, names: ['checkout', 'cart'], namespaces: ['shop'] },
      { action: 'scale', kind: KubeKind.DEPLOYMENTS, names: ['checkout', 'cart'], namespaces: ['shop'], minReplicas: 2, maxReplicas: 10 },
    ],
    vault: [{ path: 'secret/data/shop/checkout/flags', capabilities: ['read', 'update'] }],
    aws: [
      { actions: ['ecs:UpdateService'], resources: [`${ACCOUNT}:service/shop/checkout`], conditions: PINNED_TASKS },
    ],
  },
  autonomous: {
    kubernetesActions: [
      { action: 'restart', kind: KubeKind.DEPLOYMENTS, namespaces: ['shop'] },
      { action: 'scale', kind: KubeKind.DEPLOYMENTS, namespaces: ['shop'], minReplicas: 1, maxReplicas: 20 },
      { action: 'delete-pod', namespaces: ['shop'], podLabels: { 'app.kubernetes.io/part-of': 'shop' } },
    ],
    vault: [{ path: 'secret/data/shop/flags/*', capabilities: ['read', 'update'] }],
    aws: [
      { actions: ['ecs:UpdateService'], resources: [`${ACCOUNT}:service/shop/*`], conditions: PINNED_TASKS },
    ],
  },
};
