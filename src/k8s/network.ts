import {
  IntOrString,
  type KubeNetworkPolicyProps,
  type NetworkPolicyEgressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
} from 'cdk8s-plus-33/lib/imports/k8s';
import { KUBE_DNS, NAMESPACE_NAME_LABEL, objectNames, type DnsEndpoint } from '../definition/names';
import { tierCapabilities, type EgressPort, type EgressRule, type ResolvedDefinition } from '../definition/types';
import { TrustError } from '../errors';
import { activeTiers, TIER_VALUES, type Phase, type Tier } from '../phase/table';
import { objectMeta, type RenderedMeta } from './metadata';

/**
 * Which NetworkPolicy API to render: `kubernetes` (networking.k8s.io/v1, selectors and CIDRs
 * only) or `cilium` (cilium.io/v2 CiliumNetworkPolicy, which adds FQDN destinations).
 */
export type NetworkPolicyFlavour = 'kubernetes' | 'cilium';


/** The label Cilium gives every endpoint for its namespace. */
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/** An egress rule of an active tier, with the place it was declared. */
export interface ActiveEgressRule {
  readonly tier: Tier;
  /** Index in `<tier>.egress`. */
  readonly index: number;
  readonly rule: EgressRule;
}

/** A CiliumNetworkPolicy as rendered (there is no typed L1 for it in cdk8s-plus). */
export interface CiliumNetworkPolicyManifest {
  readonly apiVersion: 'cilium.io/v2';
  readonly kind: 'CiliumNetworkPolicy';
  readonly metadata: RenderedMeta;
  readonly spec: {
    readonly endpointSelector: CiliumSelector;
    readonly enableDefaultDeny: { readonly ingress: boolean; readonly egress: boolean };
    readonly ingress: ReadonlyArray<{ readonly fromEntities: readonly string[] }>;
    readonly egress: readonly CiliumEgressRule[];
  };
}

/** A Cilium endpoint selector. */
export interface CiliumSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** One Cilium egress rule: one L3 peer kind, and the ports it is open on. */
export interface CiliumEgressRule {
  readonly toEndpoints?: readonly CiliumSelector[];
  readonly toCIDRSet?: ReadonlyArray<{ readonly cidr: string; readonly except?: readonly string[] }>;
  readonly toFQDNs?: ReadonlyArray<{ readonly matchName: string }>;
  readonly toPorts: ReadonlyArray<{
    readonly ports: ReadonlyArray<{ readonly port: string; readonly protocol: 'TCP' | 'UDP' }>;
    readonly rules?: { readonly dns: ReadonlyArray<{ readonly matchName: string } | { readonly matchPattern: string }> };
  }>;
}

/** Every egress rule of the tiers `phase` activates, in tier order. */
export function activeEgressRules(def: ResolvedDefinition, phase: Phase): ActiveEgressRule[] {
  return activeTiers(phase).flatMap((tier) =>
    (tierCapabilities(def, tier).egress ?? []).map((rule, index) => ({ tier, index, rule })),
  );
}

function fqdnUnsupported(tier: Tier, index: number, rule: EgressRule, fqdn: string, where?: string): TrustError {
  return new TrustError(
    'GT_EGRESS_UNSUPPORTED',
    `${tier}.egress[${index}] "${rule.name}": fqdn "${fqdn}" needs FQDN rules, which Kubernetes NetworkPolicy does not have; ` +
      `set networkPolicy: 'cilium' to render a CiliumNetworkPolicy with toFQDNs, or give the destination as a cidr`,
    where,
  );
}

/**
 * Refuses FQDN destinations for the vanilla flavour, in every tier (not only the active ones),
 * so a definition that cannot be promoted fails now rather than on promotion day.
 */
function checkKubernetesEgress(def: ResolvedDefinition, where?: string): void {
  for (const tier of TIER_VALUES) {
    for (const [index, rule] of (tierCapabilities(def, tier).egress ?? []).entries()) {
      if ('fqdn' in rule.to) throw fqdnUnsupported(tier, index, rule, rule.to.fqdn, where);
    }
  }
}

function protocol(port: EgressPort): 'TCP' | 'UDP' {
  return port.protocol ?? 'TCP';
}

function kubernetesRule({ tier, index, rule }: ActiveEgressRule, where?: string): NetworkPolicyEgressRule {
  const to = rule.to;
  if ('fqdn' in to) throw fqdnUnsupported(tier, index, rule, to.fqdn, where);
  const peer: NetworkPolicyPeer = 'cidr' in to
    ? { ipBlock: { cidr: to.cidr, ...(to.except ? { except: [...to.except] } : {}) } }
    : {
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: to.namespace } },
        ...(to.podLabels ? { podSelector: { matchLabels: { ...to.podLabels } } } : {}),
      };
  return { to: [peer], ports: kubernetesPorts(rule.ports) };
}

function kubernetesPorts(ports: readonly EgressPort[]): NetworkPolicyPort[] {
  return ports.map((p) => ({ port: IntOrString.fromNumber(p.port), protocol: protocol(p) }));
}

/** DNS to the cluster DNS pods on UDP and TCP 53 (a port without protocol would be TCP only). */
function kubernetesDnsRule(dns: DnsEndpoint): NetworkPolicyEgressRule {
  return {
    to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dns.namespace } }, podSelector: { matchLabels: { ...dns.podLabels } } }],
    ports: kubernetesPorts([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]),
  };
}

/**
 * The agent pods' NetworkPolicy: default-deny ingress and egress (both policy types, no ingress
 * rules), DNS, then one egress rule per active egress rule. Throws GT_EGRESS_UNSUPPORTED when
 * any tier has an fqdn destination.
 * @param where construct path named in errors
 */
export function renderNetworkPolicy(def: ResolvedDefinition, phase: Phase, dns: DnsEndpoint, where?: string): KubeNetworkPolicyProps {
  checkKubernetesEgress(def, where);
  return {
    metadata: objectMeta(def.name, phase, objectNames(def.name).networkPolicy, def.namespace),
    spec: {
      podSelector: { matchLabels: { ...def.podLabels } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        kubernetesDnsRule(dns),
        ...activeEgressRules(def, phase).map((active) => kubernetesRule(active, where)),
      ],
    },
  };
}

function ciliumEndpoint(namespace: string, podLabels: Readonly<Record<string, string>> = {}): CiliumSelector {
  const labels: Record<string, string> = { [CILIUM_NAMESPACE_LABEL]: namespace };
  for (const [k, v] of Object.entries(podLabels)) labels[`k8s:${k}`] = v;
  return { matchLabels: labels };
}

function ciliumPorts(ports: readonly EgressPort[]): CiliumEgressRule['toPorts'] {
  return [{ ports: ports.map((p) => ({ port: String(p.port), protocol: protocol(p) })) }];
}

function ciliumRule({ to, ports }: EgressRule): CiliumEgressRule {
  const toPorts = ciliumPorts(ports);
  if ('cidr' in to) return { toCIDRSet: [{ cidr: to.cidr, ...(to.except ? { except: [...to.except] } : {}) }], toPorts };
  if ('fqdn' in to) return { toFQDNs: [{ matchName: to.fqdn }], toPorts };
  return { toEndpoints: [ciliumEndpoint(to.namespace, to.podLabels)], toPorts };
}

/** The DNS names a Cilium DNS rule lets through. */
export interface DnsNames {
  readonly matchName: readonly string[];
  readonly matchPattern: readonly string[];
}

/**
 * Names under the cluster domain: in-cluster services (`svc.ns.svc.cluster.local`), pods and the
 * search-path expansions the resolver tries first. In Cilium's matchPattern `*` matches within one
 * label only, so each depth below the domain is a pattern of its own.
 */
export function clusterDomainPatterns(clusterDomain: string): string[] {
  return ['*', '*.*', '*.*.*', '*.*.*.*'].map((p) => `${p}.${clusterDomain}`);
}

/**
 * What the agent may look up in `phase`: the cluster domain and the fqdn destinations of the
 * active tiers, nothing else. Cilium's DNS proxy refuses other names without forwarding them,
 * so a shadow agent cannot send data out through lookups.
 */
export function allowedDnsNames(def: ResolvedDefinition, phase: Phase, clusterDomain: string): DnsNames {
  const names = [...new Set(activeEgressRules(def, phase).flatMap(({ rule }) => ('fqdn' in rule.to ? [rule.to.fqdn] : [])))].sort();
  // The resolver tries the search path (<ns>.svc.<domain>, svc.<domain>, <domain>) before the name itself; CoreDNS answers those inside the cluster.
  const expansions = names.flatMap((n) => [`${n}.*.svc.${clusterDomain}`, `${n}.svc.${clusterDomain}`, `${n}.${clusterDomain}`]);
  return { matchName: names, matchPattern: [...clusterDomainPatterns(clusterDomain), ...expansions] };
}

/**
 * DNS to the cluster DNS pods on UDP and TCP 53 through Cilium's DNS proxy: the `dns` rule makes
 * the proxy see the lookups (which is how toFQDNs learns the IPs of the names it allows) and
 * refuse every name it does not list.
 */
function ciliumDnsRule(dns: DnsEndpoint, names: DnsNames): CiliumEgressRule {
  return {
    toEndpoints: [ciliumEndpoint(dns.namespace, dns.podLabels)],
    toPorts: [{
      ...ciliumPorts([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }])[0]!,
      rules: { dns: [...names.matchName.map((matchName) => ({ matchName })), ...names.matchPattern.map((matchPattern) => ({ matchPattern }))] },
    }],
  };
}

/**
 * The agent pods' CiliumNetworkPolicy: default deny both ways, DNS through the DNS proxy, then
 * one egress rule per active egress rule (toFQDNs, toCIDRSet or toEndpoints with the namespace
 * label, since a CiliumNetworkPolicy's toEndpoints otherwise means its own namespace).
 *
 * Ingress: `enableDefaultDeny.ingress` alone puts an endpoint into ingress default deny only on
 * Cilium versions that honour it without ingress rules, so the policy also carries one ingress
 * rule whose `fromEntities: []` selects no peer (an empty list selects nothing; an empty rule
 * `{}` would allow everything).
 */
export function renderCiliumPolicy(def: ResolvedDefinition, phase: Phase, dns: DnsEndpoint, clusterDomain = 'cluster.local'): CiliumNetworkPolicyManifest {
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: objectMeta(def.name, phase, objectNames(def.name).networkPolicy, def.namespace),
    spec: {
      endpointSelector: { matchLabels: { ...def.podLabels } },
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{ fromEntities: [] }],
      egress: [ciliumDnsRule(dns, allowedDnsNames(def, phase, clusterDomain)), ...activeEgressRules(def, phase).map(({ rule }) => ciliumRule(rule))],
    },
  };
}

export { KUBE_DNS, type DnsEndpoint };
