/**
 * The request strings of `toAllow` / `toDeny`, parsed into the requests the analysis evaluators
 * take. One request names one concrete action (one verb, one path, one action, one destination):
 * wildcards are refused, since they belong to policies, not to requests.
 */
import { isIP } from 'node:net';
import type { NonResourceRequest, ResourceRequest } from '../analysis/k8s/rbac';
import type { EgressDestination, Protocol } from '../analysis/k8s/netpol';
import { iamAction } from '../aws/catalog';
import { isDnsLabel, isDnsSubdomain, isLabelKey, isLabelValue } from '../definition/names';
import { TrustError } from '../errors';
import { trimLeadingSlashes } from '../vault/match';

/**
 * A request to check, one backend per object:
 * - `k8s`: `VERB RESOURCE [NAME] [in NAMESPACE | cluster-wide]`, e.g.
 *   `patch apps/deployments checkout in shop`, `get nodes` (cluster-scoped), `get /healthz`
 *   (non-resource URL); the name may be quoted, as diffs and messages print it;
 * - `vault`: `CAPABILITY PATH`, e.g. `update secret/data/shop/x`;
 * - `iam`: `SERVICE:ACTION [on ARN]`, e.g. `ec2:TerminateInstances`;
 * - `egress`: `DESTINATION:PORT[/PROTOCOL]`, e.g. `hooks.example.com:443`, `10.0.0.1:53/UDP`,
 *   `pod app=prometheus in monitoring:9090`.
 */
export type AccessRequest =
  | { readonly k8s: string }
  | { readonly vault: string }
  | { readonly iam: string }
  | { readonly egress: string };

/** A parsed request; `text` is its canonical form, used in messages. */
export type ParsedRequest =
  | { readonly backend: 'k8s'; readonly text: string; readonly resource: ResourceRequest }
  | { readonly backend: 'k8s'; readonly text: string; readonly nonResource: NonResourceRequest }
  | { readonly backend: 'vault'; readonly text: string; readonly capability: string; readonly path: string }
  | { readonly backend: 'iam'; readonly text: string; readonly action: string; readonly resource?: string }
  | { readonly backend: 'egress'; readonly text: string; readonly destination: EgressDestination; readonly port: number; readonly protocol: Protocol };

const BACKENDS = ['k8s', 'vault', 'iam', 'egress'] as const;

const SYNTAX: Record<(typeof BACKENDS)[number], string> = {
  k8s: `VERB RESOURCE [NAME] [in NAMESPACE], e.g. 'patch apps/deployments checkout in shop', 'get nodes' or 'get /healthz'`,
  vault: `CAPABILITY PATH, e.g. 'update secret/data/shop/x'`,
  iam: `SERVICE:ACTION [on ARN], e.g. 'ec2:TerminateInstances' or 'ecs:UpdateService on arn:aws:ecs:eu-west-1:111122223333:service/shop/checkout'`,
  egress: `DESTINATION:PORT[/PROTOCOL], e.g. 'hooks.example.com:443', '10.0.0.1:53/UDP' or 'pod app=prometheus in monitoring:9090'`,
};

/** API groups without a dot: only these built-in ones (a CRD's group always has a dot). */
const UNDOTTED_GROUPS = new Set(['apps', 'autoscaling', 'batch', 'extensions', 'policy']);

/** Resources of the core (`''`) group, to catch a missing group such as `deployments` for `apps/deployments`. */
const CORE_RESOURCES = new Set([
  'bindings', 'componentstatuses', 'configmaps', 'endpoints', 'events', 'limitranges', 'namespaces', 'nodes',
  'persistentvolumeclaims', 'persistentvolumes', 'pods', 'podtemplates', 'replicationcontrollers', 'resourcequotas',
  'secrets', 'serviceaccounts', 'services',
]);

const VAULT_CAPABILITIES = new Set(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'subscribe', 'recover']);

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function malformed(backend: (typeof BACKENDS)[number], text: string, problem: string): TrustError {
  return new TrustError('GT_USAGE', `${backend} request ${JSON.stringify(text)} ${problem}; write ${SYNTAX[backend]}`);
}

/** `apps/deployments/scale` → group, resource, subresource; the group is recognised by a dot or as a built-in group. */
function parseResource(text: string, token: string): { apiGroup: string; resource: string; subresource?: string } {
  const parts = token.split('/');
  if (parts.some((p) => p.includes('*'))) throw malformed('k8s', text, `names ${token}; a request is for one resource, not a wildcard`);
  if (parts.length > 3 || parts.some((p) => !SEGMENT.test(p))) throw malformed('k8s', text, `has a malformed resource ${JSON.stringify(token)}`);
  const grouped = parts.length === 3 || (parts.length === 2 && (parts[0]!.includes('.') || UNDOTTED_GROUPS.has(parts[0]!)));
  const [apiGroup, resource, subresource] = grouped ? parts : ['', ...parts];
  if (apiGroup === '' && !CORE_RESOURCES.has(resource!)) {
    throw malformed('k8s', text, `names ${resource}, which is not in the core API group; name its group, e.g. apps/deployments or batch/jobs`);
  }
  return { apiGroup: apiGroup!, resource: resource!, ...(subresource ? { subresource } : {}) };
}

function resourceText(r: { apiGroup: string; resource: string; subresource?: string }): string {
  return [r.apiGroup, r.resource, r.subresource].filter(Boolean).join('/');
}

function parseKubernetes(text: string): ParsedRequest {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const [verb, target, ...rest] = tokens;
  if (!verb || !target) throw malformed('k8s', text, 'is missing a verb or a resource');
  if (!/^[a-z]+$/.test(verb)) throw malformed('k8s', text, `has the verb ${JSON.stringify(verb)}; a request has one verb such as get, patch or delete, not a wildcard`);
  if (target.startsWith('/')) {
    if (rest.length > 0) throw malformed('k8s', text, 'has words after the non-resource URL');
    return { backend: 'k8s', text: `${verb} ${target} (non-resource URL)`, nonResource: { verb, path: target } };
  }
  const resource = parseResource(text, target);
  let namespace: string | undefined;
  if (rest[rest.length - 1] === 'cluster-wide') rest.pop();
  else if (rest.length >= 2 && rest[rest.length - 2] === 'in') {
    namespace = rest[rest.length - 1]!;
    if (!isDnsLabel(namespace)) throw malformed('k8s', text, `has the namespace ${JSON.stringify(namespace)}, which is not a DNS-1123 label`);
    rest.splice(-2);
  }
  if (rest.includes('in')) throw malformed('k8s', text, 'has "in" without one namespace after it');
  if (rest.length > 1) throw malformed('k8s', text, `has ${rest.length} words where one object name may go`);
  const name = rest[0]?.replace(/^"(.*)"$/, '$1');
  if (name !== undefined && (name === '' || name.includes('*'))) throw malformed('k8s', text, 'names no object or a wildcard; leave the name out to ask about every object');
  const request: ResourceRequest = { verb, ...resource, ...(name !== undefined ? { name } : {}), ...(namespace ? { namespace } : {}) };
  const canonical = `${verb} ${resourceText(resource)}${name !== undefined ? ` "${name}"` : ''} ${namespace ? `in ${namespace}` : 'cluster-wide'}`;
  return { backend: 'k8s', text: canonical, resource: request };
}

function parseVault(text: string): ParsedRequest {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (tokens.length !== 2) throw malformed('vault', text, `has ${tokens.length} words instead of 2`);
  const [capability, raw] = tokens as [string, string];
  if (!VAULT_CAPABILITIES.has(capability)) {
    throw malformed('vault', text, `has the capability ${JSON.stringify(capability)}; use one of ${[...VAULT_CAPABILITIES].join(', ')}`);
  }
  const path = trimLeadingSlashes(raw);
  if (path === '' || path.includes('*') || path.split('/').includes('+')) {
    throw malformed('vault', text, `has the path ${JSON.stringify(raw)}; a request is for one concrete path (* and + belong to policies)`);
  }
  return { backend: 'vault', text: `vault ${capability} ${path}`, capability, path };
}

function parseIam(text: string): ParsedRequest {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const [raw, on, resource, ...extra] = tokens;
  if (!raw || (on !== undefined && (on !== 'on' || resource === undefined)) || extra.length > 0) {
    throw malformed('iam', text, 'does not have the form of an action, optionally followed by "on" and one ARN');
  }
  if (/[*?]/.test(raw)) throw malformed('iam', text, `names ${raw}; a request is for one action, not a wildcard`);
  const info = iamAction(raw);
  if (!info) throw malformed('iam', text, `names ${raw}, which is not in the IAM Service Authorization Reference; check the service prefix and spelling`);
  if (resource !== undefined && resource !== '*' && !resource.startsWith('arn:')) {
    throw malformed('iam', text, `has the resource ${JSON.stringify(resource)}; give an ARN (arn:…) or *`);
  }
  return { backend: 'iam', text: `iam ${info.action}${resource ? ` on ${resource}` : ''}`, action: info.action, ...(resource ? { resource } : {}) };
}

function parseLabels(text: string, selector: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of selector.split(',')) {
    const [key, value, extra] = pair.split('=');
    if (key === undefined || value === undefined || extra !== undefined || !isLabelKey(key) || !isLabelValue(value)) {
      throw malformed('egress', text, `has the pod labels ${JSON.stringify(selector)}; write KEY=VALUE[,KEY=VALUE…]`);
    }
    labels[key] = value;
  }
  return labels;
}

function parseDestination(text: string, raw: string): EgressDestination {
  const pod = /^pods?\s+(?:(\S+)\s+)?in\s+(\S+)$/.exec(raw);
  if (pod) {
    const namespace = pod[2]!;
    if (!isDnsLabel(namespace)) throw malformed('egress', text, `has the namespace ${JSON.stringify(namespace)}, which is not a DNS-1123 label`);
    return { namespace, labels: pod[1] ? parseLabels(text, pod[1]) : {} };
  }
  const bracketed = /^\[(.+)\]$/.exec(raw)?.[1];
  if (bracketed !== undefined && isIP(bracketed) === 6) return { ip: bracketed };
  if (isIP(raw) === 4) return { ip: raw };
  if (isDnsSubdomain(raw.toLowerCase().replace(/\.$/, '')) && raw.includes('.')) return { fqdn: raw.toLowerCase().replace(/\.$/, '') };
  throw malformed('egress', text, `has the destination ${JSON.stringify(raw)}; give an IPv4 address, [IPv6], a DNS name or "pod LABELS in NAMESPACE"`);
}

function destinationText(d: EgressDestination): string {
  if ('ip' in d) return isIP(d.ip) === 6 ? `[${d.ip}]` : d.ip;
  if ('fqdn' in d) return d.fqdn;
  const labels = Object.entries(d.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return `pod ${labels ? `${labels} ` : ''}in ${d.namespace}`;
}

function parseEgress(text: string): ParsedRequest {
  const m = /^(.+):(\d{1,5})(?:\/([A-Za-z]+))?$/.exec(text.trim());
  if (!m) throw malformed('egress', text, 'does not end with :PORT');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw malformed('egress', text, `has the port ${port}; ports are 1–65535`);
  const protocol = (m[3] ?? 'TCP').toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') throw malformed('egress', text, `has the protocol ${m[3]}; use TCP, UDP or SCTP`);
  const destination = parseDestination(text, m[1]!.trim());
  return { backend: 'egress', text: `egress ${destinationText(destination)}:${port}${protocol === 'TCP' ? '' : `/${protocol}`}`, destination, port, protocol };
}

/**
 * Parses a request object (exactly one of `k8s`, `vault`, `iam`, `egress`). Throws a
 * TrustError (`GT_USAGE`) naming the request, what is wrong and the expected form.
 *
 * In a Kubernetes resource, `a/b` is `group/resource` when `a` has a dot or is one of the
 * built-in groups without one (apps, autoscaling, batch, extensions, policy), else
 * `resource/subresource` of the core group; `a/b/c` is always `group/resource/subresource`.
 * Without `in NAMESPACE` the request is cluster-scoped. An IAM action without `on` asks about
 * every resource (allowed when allowed on at least one).
 *
 * @example
 * parseRequest({ k8s: 'patch apps/deployments checkout in shop' });
 * // { backend: 'k8s', text: 'patch apps/deployments "checkout" in shop', resource: { verb: 'patch', apiGroup: 'apps', … } }
 */
export function parseRequest(request: AccessRequest): ParsedRequest {
  const keys = typeof request === 'object' && request !== null ? Object.keys(request) : [];
  const backend = BACKENDS.find((b) => keys.length === 1 && keys[0] === b);
  const text = backend ? (request as Record<string, unknown>)[backend] : undefined;
  if (!backend || typeof text !== 'string') {
    throw new TrustError('GT_USAGE', `a request is an object with exactly one of ${BACKENDS.join(', ')} set to a string, got ${JSON.stringify(request)}; e.g. { k8s: 'patch apps/deployments checkout in shop' }`);
  }
  switch (backend) {
    case 'k8s':
      return parseKubernetes(text);
    case 'vault':
      return parseVault(text);
    case 'iam':
      return parseIam(text);
    case 'egress':
      return parseEgress(text);
  }
}
