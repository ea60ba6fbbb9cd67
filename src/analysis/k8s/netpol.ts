/**
 * NetworkPolicy egress evaluation, written from the upstream semantics of
 * kubernetes/kubernetes `pkg/apis/networking/types.go` (field docs) and the network policy
 * conformance tests, plus enough of Cilium's `CiliumNetworkPolicy` egress model (cilium/cilium
 * `pkg/policy/api`, Documentation/security/policy) to answer questions about FQDN destinations.
 * No code copied.
 *
 * Kubernetes: a pod is egress-isolated when any NetworkPolicy in its namespace selects it and
 * lists `Egress` in policyTypes (or, without policyTypes, has egress rules); its allowed egress
 * is then the union of those policies' rules. A rule with no `to` allows every destination and
 * one with no `ports` every port; a port without protocol is TCP; `endPort` makes a range; an
 * ipBlock's `except` carves holes; a peer with both namespaceSelector and podSelector needs both.
 *
 * Cilium: a policy isolates egress when it has egress (or egressDeny) rules, unless
 * `enableDefaultDeny.egress` says otherwise; allows are unioned with Kubernetes policies.
 * `egressDeny` rules are not modelled, so results can only over-approximate what is allowed.
 */
import { BlockList, isIP } from 'node:net';
import { NAMESPACE_NAME_LABEL } from '../../definition/names';
import type { Manifest } from './authorizer';

/** A label selector (matchLabels AND every matchExpression). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** The pod whose egress is evaluated. */
export interface PodRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A destination: an IP (external or otherwise unselectable), a pod (by namespace and labels;
 * the namespace carries `kubernetes.io/metadata.name` plus `namespaceLabels`), or a DNS name
 * (only Cilium's toFQDNs, or an allow-everything rule, can match it).
 */
export type EgressDestination =
  | { readonly ip: string }
  | { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly namespaceLabels?: Readonly<Record<string, string>> }
  | { readonly fqdn: string };

/** Transport protocol of a connection. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Which pods a grant reaches. `namespaces: 'any'` matches every namespace. */
export interface PodsPeer {
  readonly kind: 'pods';
  readonly namespaces: { readonly name: string } | { readonly selector: LabelSelector } | 'any';
  /** Evaluated against the destination pod's labels. */
  readonly pods: LabelSelector;
}

/** The destinations of one grant. */
export type EgressPeerGrant =
  | { readonly kind: 'any' }
  | { readonly kind: 'ipBlock'; readonly cidr: string; readonly except: readonly string[] }
  | PodsPeer
  | { readonly kind: 'fqdn'; readonly matchName?: string; readonly matchPattern?: string };

/** One allowed port or range; `protocol: 'ANY'` (Cilium) matches every protocol, no `port` every port. */
export interface PortGrant {
  readonly protocol: Protocol | 'ANY';
  readonly port?: number | string;
  readonly endPort?: number;
}

/** One allowed (destination, ports) pair and the policy rule it comes from. */
export interface EgressGrant {
  readonly policy: { readonly kind: string; readonly namespace: string; readonly name: string };
  /** Index of the egress rule in the policy spec. */
  readonly rule: number;
  readonly to: EgressPeerGrant;
  /** `'any'` when the rule names no ports. */
  readonly ports: readonly PortGrant[] | 'any';
}

/** Whether a pod is egress-isolated, and what it may reach if it is. */
export interface EgressAnalysis {
  /** False: no policy isolates the pod's egress, so everything is allowed. */
  readonly isolated: boolean;
  readonly grants: readonly EgressGrant[];
}

const CILIUM_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';

/** Whether labels satisfy a selector; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'In': return has && values.includes(labels[key]!);
      case 'NotIn': return !has || !values.includes(labels[key]!);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

/** Whether an IP lies in a CIDR and outside all its exceptions. */
export function ipInBlock(ip: string, cidr: string, except: readonly string[] = []): boolean {
  const inside = (block: string): boolean => {
    const [net, bits] = block.split('/');
    const family = isIP(net ?? '');
    if (family === 0 || family !== isIP(ip) || bits === undefined) return false;
    const list = new BlockList();
    const type = family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(net!, Number(bits), type);
    return list.check(ip, type);
  };
  return inside(cidr) && !except.some(inside);
}

/** Whether a Cilium `matchPattern` (`*` within a label, `**.` for any depth of subdomains) matches a name. */
export function fqdnPatternMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const n = name.toLowerCase().replace(/\.$/, '');
  if (p === '*') return true;
  const body = p.startsWith('**.') ? p.slice(3) : p;
  const re = body.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[-a-z0-9]*');
  return new RegExp(`^${p.startsWith('**.') ? '([-a-z0-9]+\\.)+' : ''}${re}$`).test(n);
}

function isKind(m: Manifest, apiPrefix: string, kind: string): boolean {
  return (m.apiVersion ?? '').startsWith(apiPrefix) && m.kind === kind;
}

// ---- Kubernetes NetworkPolicy ----------------------------------------------------------------

interface K8sPort { readonly protocol?: string; readonly port?: number | string; readonly endPort?: number }
interface K8sPeer {
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
  readonly namespaceSelector?: LabelSelector;
  readonly podSelector?: LabelSelector;
}
interface K8sEgressRule { readonly to?: readonly K8sPeer[]; readonly ports?: readonly K8sPort[] }
interface K8sSpec { readonly podSelector?: LabelSelector; readonly policyTypes?: readonly string[]; readonly egress?: readonly K8sEgressRule[] }

function kubernetesIsolatesEgress(spec: K8sSpec): boolean {
  // Defaulting: without policyTypes, a policy affects egress when it has egress rules.
  return spec.policyTypes ? spec.policyTypes.includes('Egress') : (spec.egress ?? []).length > 0;
}

function kubernetesPeer(peer: K8sPeer, policyNamespace: string): EgressPeerGrant {
  if (peer.ipBlock) return { kind: 'ipBlock', cidr: peer.ipBlock.cidr, except: peer.ipBlock.except ?? [] };
  return {
    kind: 'pods',
    namespaces: peer.namespaceSelector ? { selector: peer.namespaceSelector } : { name: policyNamespace },
    pods: peer.podSelector ?? {},
  };
}

function kubernetesPorts(ports: readonly K8sPort[] | undefined): readonly PortGrant[] | 'any' {
  if (!ports || ports.length === 0) return 'any';
  return ports.map((p) => ({
    protocol: (p.protocol ?? 'TCP') as Protocol,
    ...(p.port !== undefined ? { port: p.port } : {}),
    ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
  }));
}

function kubernetesGrants(m: Manifest, pod: PodRef): { isolates: boolean; grants: EgressGrant[] } {
  const namespace = m.metadata?.namespace ?? 'default';
  const spec = (m['spec'] ?? {}) as K8sSpec;
  if (namespace !== pod.namespace || !selectorMatches(spec.podSelector ?? {}, pod.labels) || !kubernetesIsolatesEgress(spec)) {
    return { isolates: false, grants: [] };
  }
  const policy = { kind: 'NetworkPolicy', namespace, name: m.metadata?.name ?? '' };
  const grants = (spec.egress ?? []).flatMap((rule, index) => {
    const ports = kubernetesPorts(rule.ports);
    const peers = rule.to && rule.to.length > 0 ? rule.to.map((p) => kubernetesPeer(p, namespace)) : [{ kind: 'any' } as const];
    return peers.map((to) => ({ policy, rule: index, to, ports }));
  });
  return { isolates: true, grants };
}

// ---- CiliumNetworkPolicy ---------------------------------------------------------------------

interface CiliumPortRule {
  readonly ports?: ReadonlyArray<{ readonly port?: string; readonly endPort?: number; readonly protocol?: string }>;
}
interface CiliumEgress {
  readonly toEndpoints?: readonly LabelSelector[];
  readonly toCIDR?: readonly string[];
  readonly toCIDRSet?: ReadonlyArray<{ readonly cidr?: string; readonly except?: readonly string[] }>;
  readonly toFQDNs?: ReadonlyArray<{ readonly matchName?: string; readonly matchPattern?: string }>;
  readonly toEntities?: readonly string[];
  readonly toPorts?: readonly CiliumPortRule[];
}
interface CiliumSpec {
  readonly endpointSelector?: LabelSelector;
  readonly egress?: readonly CiliumEgress[];
  readonly egressDeny?: readonly unknown[];
  readonly enableDefaultDeny?: { readonly egress?: boolean };
}

/** Strips Cilium's label source (`k8s:`, `any:`) so selectors compare with plain pod labels. */
function normalizeSelector(selector: LabelSelector): LabelSelector {
  const strip = (key: string): string => key.replace(/^(k8s|any):/, '');
  return {
    matchLabels: Object.fromEntries(Object.entries(selector.matchLabels ?? {}).map(([k, v]) => [strip(k), v])),
    matchExpressions: (selector.matchExpressions ?? []).map((e) => ({ ...e, key: strip(e.key) })),
  };
}

/** A Cilium endpoint's labels: the pod's, plus its namespace as Cilium labels it. */
function ciliumLabels(namespace: string, labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels, [CILIUM_NAMESPACE_KEY]: namespace };
}

/**
 * A toEndpoints selector as a pods peer: its `io.kubernetes.pod.namespace` terms become a
 * namespace selector on the name; without them a CiliumNetworkPolicy means its own namespace and
 * a clusterwide policy every namespace.
 */
function ciliumEndpointPeer(selector: LabelSelector, policyNamespace: string | undefined): PodsPeer {
  const { matchLabels = {}, matchExpressions = [] } = normalizeSelector(selector);
  const { [CILIUM_NAMESPACE_KEY]: namespaceName, ...podLabels } = matchLabels;
  const namespaceTerms = matchExpressions.filter((e) => e.key === CILIUM_NAMESPACE_KEY);
  const pods = { matchLabels: podLabels, matchExpressions: matchExpressions.filter((e) => e.key !== CILIUM_NAMESPACE_KEY) };
  if (namespaceName === undefined && namespaceTerms.length === 0) {
    return { kind: 'pods', namespaces: policyNamespace === undefined ? 'any' : { name: policyNamespace }, pods };
  }
  const selectorOnName: LabelSelector = {
    matchLabels: namespaceName === undefined ? {} : { [NAMESPACE_NAME_LABEL]: namespaceName },
    matchExpressions: namespaceTerms.map((e) => ({ ...e, key: NAMESPACE_NAME_LABEL })),
  };
  return { kind: 'pods', namespaces: { selector: selectorOnName }, pods };
}

function ciliumPorts(toPorts: readonly CiliumPortRule[] | undefined): readonly PortGrant[] | 'any' {
  const ports = (toPorts ?? []).flatMap((r) => r.ports ?? []);
  if (ports.length === 0) return 'any';
  return ports.map((p) => {
    const numeric = p.port !== undefined && /^\d+$/.test(p.port) ? Number(p.port) : p.port;
    return {
      protocol: (p.protocol ?? 'ANY') as Protocol | 'ANY',
      // Port 0 means every port.
      ...(numeric !== undefined && numeric !== 0 ? { port: numeric } : {}),
      ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    };
  });
}

function entityPeers(entities: readonly string[]): EgressPeerGrant[] {
  return entities.flatMap((e): EgressPeerGrant[] => {
    if (e === 'all') return [{ kind: 'any' }];
    if (e === 'world') return [{ kind: 'ipBlock', cidr: '0.0.0.0/0', except: [] }, { kind: 'ipBlock', cidr: '::/0', except: [] }];
    if (e === 'cluster') return [{ kind: 'pods', namespaces: 'any', pods: {} }];
    return [];
  });
}

/** The L3 peers of one Cilium egress rule; a rule with none (only toPorts) reaches every destination. */
function ciliumPeers(rule: CiliumEgress, policyNamespace: string | undefined): EgressPeerGrant[] {
  const l3 = [rule.toEndpoints, rule.toCIDR, rule.toCIDRSet, rule.toFQDNs, rule.toEntities];
  if (l3.every((x) => x === undefined)) return [{ kind: 'any' }];
  return [
    ...(rule.toEndpoints ?? []).map((sel) => ciliumEndpointPeer(sel, policyNamespace)),
    ...(rule.toCIDR ?? []).map((cidr): EgressPeerGrant => ({ kind: 'ipBlock', cidr, except: [] })),
    ...(rule.toCIDRSet ?? []).flatMap((s): EgressPeerGrant[] => (s.cidr ? [{ kind: 'ipBlock', cidr: s.cidr, except: s.except ?? [] }] : [])),
    ...(rule.toFQDNs ?? []).map((f): EgressPeerGrant => ({ kind: 'fqdn', ...f })),
    ...entityPeers(rule.toEntities ?? []),
  ];
}

function ciliumGrants(m: Manifest, pod: PodRef, clusterwide: boolean): { isolates: boolean; grants: EgressGrant[] } {
  const namespace = clusterwide ? undefined : m.metadata?.namespace ?? 'default';
  const specs = [m['spec'], ...((m['specs'] as unknown[] | undefined) ?? [])].filter((s): s is CiliumSpec => typeof s === 'object' && s !== null);
  const policy = { kind: m.kind ?? '', namespace: namespace ?? '', name: m.metadata?.name ?? '' };
  let isolates = false;
  const grants: EgressGrant[] = [];
  for (const spec of specs) {
    if (namespace !== undefined && namespace !== pod.namespace) continue;
    if (!spec.endpointSelector || !selectorMatches(normalizeSelector(spec.endpointSelector), ciliumLabels(pod.namespace, pod.labels))) continue;
    const hasRules = (spec.egress ?? []).length > 0 || (spec.egressDeny ?? []).length > 0;
    isolates ||= spec.enableDefaultDeny?.egress ?? hasRules;
    (spec.egress ?? []).forEach((rule, index) => {
      const ports = ciliumPorts(rule.toPorts);
      for (const to of ciliumPeers(rule, namespace)) grants.push({ policy, rule: index, to, ports });
    });
  }
  return { isolates, grants };
}

/**
 * Whether the pod's egress is isolated and, if so, every grant that reaches it from
 * NetworkPolicies, CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies among `manifests`.
 */
export function egressGrants(manifests: Iterable<Manifest>, pod: PodRef): EgressAnalysis {
  let isolated = false;
  const grants: EgressGrant[] = [];
  for (const m of manifests) {
    let found: { isolates: boolean; grants: EgressGrant[] } | undefined;
    if (isKind(m, 'networking.k8s.io/', 'NetworkPolicy')) found = kubernetesGrants(m, pod);
    else if (isKind(m, 'cilium.io/', 'CiliumNetworkPolicy')) found = ciliumGrants(m, pod, false);
    else if (isKind(m, 'cilium.io/', 'CiliumClusterwideNetworkPolicy')) found = ciliumGrants(m, pod, true);
    if (!found) continue;
    isolated ||= found.isolates;
    grants.push(...found.grants);
  }
  return { isolated, grants };
}

function peerMatches(to: EgressPeerGrant, dest: EgressDestination): boolean {
  switch (to.kind) {
    case 'any':
      return true;
    case 'ipBlock':
      return 'ip' in dest && ipInBlock(dest.ip, to.cidr, to.except);
    case 'fqdn': {
      if (!('fqdn' in dest)) return false;
      if (to.matchName !== undefined) return to.matchName.toLowerCase().replace(/\.$/, '') === dest.fqdn.toLowerCase().replace(/\.$/, '');
      return to.matchPattern !== undefined && fqdnPatternMatches(to.matchPattern, dest.fqdn);
    }
    case 'pods': {
      if (!('namespace' in dest)) return false;
      const ns = to.namespaces;
      const namespaceOk = ns === 'any'
        || ('name' in ns ? ns.name === dest.namespace : selectorMatches(ns.selector, { ...dest.namespaceLabels, [NAMESPACE_NAME_LABEL]: dest.namespace }));
      return namespaceOk && selectorMatches(to.pods, dest.labels);
    }
  }
}

function portMatches(grant: PortGrant, port: number, protocol: Protocol): boolean {
  if (grant.protocol !== 'ANY' && grant.protocol !== protocol) return false;
  if (grant.port === undefined) return true;
  // A named port would need the destination pod's container ports; it never matches a number here.
  if (typeof grant.port !== 'number') return false;
  return grant.endPort !== undefined ? port >= grant.port && port <= grant.endPort : port === grant.port;
}

/**
 * Whether the pod may open a connection to `dest` on `port`/`protocol`. Pod destinations are
 * matched by selectors, IP destinations by ipBlock/CIDR, names by toFQDNs; a rule that allows
 * every destination matches all three.
 * @example
 * allowsEgress(manifests, { namespace: 'ops-agents', labels: { app: 'agent' } }, { ip: '198.51.100.10' }, 443, 'TCP');
 */
export function allowsEgress(
  manifests: Iterable<Manifest>,
  pod: PodRef,
  dest: EgressDestination,
  port: number,
  protocol: Protocol,
): boolean {
  const { isolated, grants } = egressGrants(manifests, pod);
  if (!isolated) return true;
  return grants.some((g) => peerMatches(g.to, dest) && (g.ports === 'any' || g.ports.some((p) => portMatches(p, port, protocol))));
}
