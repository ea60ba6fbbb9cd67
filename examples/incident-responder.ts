import type { AgentDefinition } from '../src';

/**
 * The example agent: diagnoses the `shop` namespace, reads Prometheus, calls a model API,
 * posts recommendations to a chat webhook (phase ≥ 2), patches/restarts the named deployments
 * `checkout` and `cart` (phase 3), and scales/restarts any deployment in `shop` (phase 4).
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
      { actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'logs:FilterLogEvents', 'ecs:DescribeServices'], resources: ['*'] },
    ],
  },
  recommend: {
    egress: [{ name: 'chat-webhook', to: { cidr: '198.51.100.10/32' }, ports: [{ port: 443 }] }],
  },
  remediate: {
    kubernetes: [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'], resourceNames: ['checkout', 'cart'], namespaces: ['shop'] },
    ],
    vault: [{ path: 'secret/data/shop/checkout/flags', capabilities: ['read', 'update'] }],
    aws: [
      { actions: ['ecs:UpdateService'], resources: ['arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout'] },
    ],
  },
  autonomous: {
    kubernetes: [
      { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'list', 'watch', 'patch', 'update'], namespaces: ['shop'] },
    ],
    vault: [{ path: 'secret/data/shop/flags/*', capabilities: ['read', 'update'] }],
    aws: [
      { actions: ['ecs:UpdateService'], resources: ['arn:aws:ecs:eu-west-1:111122223333:service/shop/*'] },
    ],
  },
};
