/**
 * Egress destinations of the agent's pods as readable, comparable labels: the same destination
 * gets the same label whether it comes from the agent definition (the ceiling) or from a
 * synthesized NetworkPolicy or CiliumNetworkPolicy (the effective access).
 */
import { LABELS } from '../../definition/names';
import { NAMESPACE_NAME_LABEL } from '../../definition/names';
import type { EgressPeer } from '../../definition/types';
import { ANY, sortedRecord, sortedUnique, type AgentRef, type EgressAccessModel } from '../model';
import type { Manifest } from './authorizer';
import { egressGrants, type EgressGrant, type EgressPeerGrant, type LabelSelector } from './netpol';

/** The label Kubernetes sets on every namespace to its name. */

/** `a=1,b in (x,y)`; `*` for the empty selector (everything). */
export function selectorText(selector: LabelSelector | undefined): string {
  const parts = [
    ...Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector?.matchExpressions ?? []).map((e) => {
      const values = sortedUnique(e.values ?? []).join(',');
      if (e.operator === 'Exists') return e.key;
      if (e.operator === 'DoesNotExist') return `!${e.key}`;
      return `${e.key} ${e.operator.toLowerCase()} (${values})`;
    }),
  ];
  return parts.length === 0 ? '*' : sortedUnique(parts).join(',');
}

/** The namespace part of a pod peer: a name when the selector pins one, else the selector. */
export function namespaceText(selector: LabelSelector | undefined): string {
  const labels = selector?.matchLabels ?? {};
  const keys = Object.keys(labels);
  if (keys.length === 1 && keys[0] === NAMESPACE_NAME_LABEL && (selector?.matchExpressions ?? []).length === 0) return labels[NAMESPACE_NAME_LABEL]!;
  const text = selectorText(selector);
  return text === '*' ? 'every namespace' : `namespaces ${text}`;
}

/** `pods app=x in monitoring`, `every pod in monitoring`, `pods app=x in namespaces team=a`. */
export function podsText(pods: LabelSelector | undefined, namespace: string): string {
  const sel = selectorText(pods);
  return sel === '*' ? `every pod in ${namespace}` : `pods ${sel} in ${namespace}`;
}

/** `10.0.0.0/8` or `10.0.0.0/8 except 10.1.0.0/16`. */
export function cidrText(cidr: string, except: readonly string[] = []): string {
  return except.length === 0 ? cidr : `${cidr} except ${sortedUnique(except).join(',')}`;
}

/** The label of a definition egress peer. */
export function peerLabel(peer: EgressPeer): string {
  if ('cidr' in peer) return cidrText(peer.cidr, peer.except);
  if ('fqdn' in peer) return peer.fqdn;
  return podsText({ matchLabels: peer.podLabels ?? {} }, peer.namespace);
}

/** `443/TCP`. */
export function portLabel(port: number | string, protocol: string): string {
  return `${port}/${protocol}`;
}

/** A label for every destination kind netpol.ts reports. */
export function grantPeerLabel(to: EgressPeerGrant): string {
  switch (to.kind) {
    case 'any':
      return ANY;
    case 'ipBlock':
      return cidrText(to.cidr, to.except);
    case 'fqdn':
      return to.matchName ?? `names matching ${to.matchPattern ?? ''}`;
    case 'pods': {
      const ns = to.namespaces;
      const namespace = ns === 'any' ? 'every namespace' : 'name' in ns ? ns.name : namespaceText(ns.selector);
      return podsText(to.pods, namespace);
    }
  }
}

/** Port labels of a grant: `443/TCP`, `8000-8100/TCP`, `*` for every port and protocol. */
export function grantPortLabels(ports: EgressGrant['ports']): string[] {
  if (ports === 'any') return [ANY];
  return ports.map((p) => {
    const number = p.port === undefined ? ANY : p.endPort !== undefined ? `${p.port}-${p.endPort}` : String(p.port);
    return portLabel(number, p.protocol);
  });
}

/**
 * The labels the agent's pods carry: the pod selector of the NetworkPolicy or
 * CiliumNetworkPolicy its construct rendered (labelled with the agent), else the construct's
 * default `app.kubernetes.io/name: NAME`.
 */
export function agentPodLabels(manifests: Iterable<Manifest>, agent: AgentRef): Record<string, string> {
  for (const m of manifests) {
    if (m.metadata?.labels?.[LABELS.agent] !== agent.name || m.metadata?.namespace !== agent.namespace) continue;
    const spec = (m['spec'] ?? {}) as { podSelector?: LabelSelector; endpointSelector?: LabelSelector };
    const selector = m.kind === 'NetworkPolicy' ? spec.podSelector : m.kind === 'CiliumNetworkPolicy' ? spec.endpointSelector : undefined;
    if (selector?.matchLabels && Object.keys(selector.matchLabels).length > 0) return { ...selector.matchLabels };
  }
  return { 'app.kubernetes.io/name': agent.name };
}

/** Egress of the agent's pods: every NetworkPolicy/Cilium policy that selects them, as one union. */
export function egressAccess(manifests: readonly Manifest[], agent: AgentRef): EgressAccessModel {
  const pod = { namespace: agent.namespace, labels: agentPodLabels(manifests, agent) };
  const { isolated, grants } = egressGrants(manifests, pod);
  if (!isolated) return { isolated, destinations: { [ANY]: [ANY] }, dnsNames: null };
  const byDestination = new Map<string, Set<string>>();
  for (const g of grants) {
    const label = grantPeerLabel(g.to);
    const ports = byDestination.get(label) ?? new Set<string>();
    for (const p of grantPortLabels(g.ports)) ports.add(p);
    byDestination.set(label, ports);
  }
  return { isolated, destinations: sortedRecord([...byDestination].map(([d, p]) => [d, p.has(ANY) ? [ANY] : sortedUnique(p)] as const)), dnsNames: dnsNames(manifests, pod) };
}

interface CiliumDnsRule {
  readonly toPorts?: ReadonlyArray<{ readonly ports?: ReadonlyArray<{ readonly port?: string | number }>; readonly rules?: { readonly dns?: ReadonlyArray<{ readonly matchName?: string; readonly matchPattern?: string }> } }>;
}

function portsCover53(ports: ReadonlyArray<{ readonly port?: string | number }> | undefined): boolean {
  return ports === undefined || ports.length === 0 || ports.some((p) => p.port === undefined || String(p.port) === '53' || String(p.port) === '0');
}

/**
 * The DNS names the agent's pods may look up: the names and patterns of Cilium DNS rules, or
 * `null` when lookups are not filtered (a vanilla NetworkPolicy cannot filter names; a Cilium
 * rule without DNS rules on port 53, or with the pattern `*`, lets every name through, and
 * cluster DNS forwards names outside the cluster upstream). `[]` when no DNS is allowed at all.
 */
export function dnsNames(manifests: readonly Manifest[], pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> }): string[] | null {
  const names = new Set<string>();
  const { isolated } = egressGrants(manifests, pod);
  if (!isolated) return null;
  for (const m of manifests) {
    const { isolated: selects, grants } = egressGrants([m], pod);
    if (!selects && grants.length === 0) continue;
    if (m.kind === 'NetworkPolicy') {
      if (grants.some((g) => g.ports === 'any' || g.ports.some((p) => p.port === undefined || Number(p.port) === 53 || (typeof p.endPort === 'number' && Number(p.port) <= 53 && p.endPort >= 53)))) return null;
      continue;
    }
    for (const rule of ((m['spec'] as { egress?: CiliumDnsRule[] } | undefined)?.egress ?? [])) {
      if (rule.toPorts === undefined) return null;
      for (const tp of rule.toPorts) {
        if (!portsCover53(tp.ports)) continue;
        const dns = tp.rules?.dns;
        if (!dns) return null;
        for (const d of dns) {
          const name = d.matchName ?? d.matchPattern;
          if (name === undefined || name === '*') return null;
          names.add(name);
        }
      }
    }
  }
  return sortedUnique(names);
}
