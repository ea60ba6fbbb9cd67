/**
 * Writes the example's audit logs for `trust-gate usage` into examples/usage/: one week of the
 * incident responder in phase 3 (2026-11-16 to 2026-11-23), deterministic. It reads pods, their
 * logs and events in `shop` and nodes, never replicasets, statefulsets, services, endpoints,
 * configmaps or namespaces; restarts `checkout` three times and `cart` once and scales
 * `checkout` once, each admitted with an approval; is denied one delete; reads one Vault secret;
 * and calls CloudWatch and CloudWatch Logs on the checkout log group.
 *
 *   npx tsx scripts/usage-example.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'examples', 'usage');
const USER = 'system:serviceaccount:ops-agents:incident-responder';
const ROLE = 'arn:aws:iam::111122223333:role/incident-responder';
const START = Date.parse('2026-11-16T00:00:00Z');
const at = (i: number) => new Date(START + i * 3_600_000).toISOString();

const k8s: string[] = [];
function event(i: number, verb: string, ref: Record<string, string>, decision: 'allow' | 'forbid', code: number): void {
  k8s.push(JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `ir-${String(k8s.length + 1).padStart(5, '0')}`, stage: 'ResponseComplete',
    requestURI: `/${ref.apiGroup ? `apis/${ref.apiGroup}/v1` : 'api/v1'}/${ref.namespace ? `namespaces/${ref.namespace}/` : ''}${ref.resource}${ref.name ? `/${ref.name}` : ''}${ref.subresource ? `/${ref.subresource}` : ''}`,
    verb, user: { username: USER, groups: ['system:serviceaccounts', 'system:serviceaccounts:ops-agents', 'system:authenticated'] },
    objectRef: { apiVersion: 'v1', ...ref }, responseStatus: { metadata: {}, code },
    requestReceivedTimestamp: at(i), stageTimestamp: at(i),
    annotations: { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': '' },
  }));
}
for (let i = 0; i < 168; i += 2) {
  event(i, 'list', { resource: 'pods', namespace: 'shop' }, 'allow', 200);
  event(i, 'list', { resource: 'events', namespace: 'shop' }, 'allow', 200);
  if (i % 6 === 0) event(i, 'get', { resource: 'pods', subresource: 'log', namespace: 'shop', name: `checkout-${i}` }, 'allow', 200);
  if (i % 12 === 0) event(i, 'get', { resource: 'nodes', name: 'node-1' }, 'allow', 200);
  if (i % 8 === 0) event(i, 'get', { apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout' }, 'allow', 200);
  event(i, 'get', { resource: 'configmaps', namespace: 'ops-agents', name: 'incident-responder-phase' }, 'allow', 200);
}
for (const [i, name] of [[20, 'checkout'], [61, 'checkout'], [97, 'cart'], [140, 'checkout']] as const) {
  event(i, 'patch', { apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name }, 'allow', 200);
}
event(98, 'patch', { apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'shop', name: 'checkout' }, 'allow', 200);
event(99, 'delete', { resource: 'pods', namespace: 'shop', name: 'checkout-7d9f' }, 'forbid', 403);

const vault: string[] = [];
for (let i = 0; i < 168; i += 24) {
  const entry = (type: string) => JSON.stringify({
    time: at(i), type, auth: { display_name: 'kubernetes-ops-agents-incident-responder', policies: ['incident-responder'], metadata: { role: 'incident-responder', service_account_name: 'incident-responder', service_account_namespace: 'ops-agents' } },
    request: { id: `v-${i}`, operation: 'read', mount_type: 'kv', path: 'secret/data/agents/incident-responder/model-key' },
  });
  vault.push(entry('request'), entry('response'));
}

const trail: string[] = [];
const call = (i: number, eventSource: string, eventName: string, requestParameters: Record<string, unknown> | null) => trail.push(JSON.stringify({
  eventVersion: '1.09', eventTime: at(i).replace('.000', ''), eventSource, eventName, awsRegion: 'eu-west-1', eventID: `ct-${String(trail.length + 1).padStart(4, '0')}`,
  userIdentity: { type: 'AssumedRole', accountId: '111122223333', sessionContext: { sessionIssuer: { type: 'Role', arn: ROLE, userName: 'incident-responder' } } },
  requestParameters, recipientAccountId: '111122223333', eventType: 'AwsApiCall', readOnly: true,
}));
for (let i = 0; i < 168; i += 4) {
  call(i, 'monitoring.amazonaws.com', 'GetMetricData', null);
  if (i % 12 === 0) call(i, 'logs.amazonaws.com', 'FilterLogEvents', { logGroupName: '/ecs/shop/checkout' });
}

mkdirSync(DIR, { recursive: true });
writeFileSync(join(DIR, 'k8s-audit.jsonl'), k8s.join('\n') + '\n');
writeFileSync(join(DIR, 'vault-audit.jsonl'), vault.join('\n') + '\n');
writeFileSync(join(DIR, 'cloudtrail.jsonl'), trail.join('\n') + '\n');
process.stdout.write(`wrote ${k8s.length} Kubernetes events, ${vault.length} Vault entries and ${trail.length} CloudTrail records into ${DIR}\n`);
