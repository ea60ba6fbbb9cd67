/** Guard rules for the agent pods' network policies. */
import { phaseLabel } from '../../../phase/table';
import { agentPodLabels, grantPeerLabel, grantPortLabels } from '../../k8s/egress';
import { egressGrants, selectorMatches, type EgressAnalysis, type LabelSelector } from '../../k8s/netpol';
import type { Manifest } from '../../k8s/authorizer';
import type { GuardContext } from '../context';
import type { GuardRule, RuleHit } from '../types';
import { listed } from './kubernetes';

/** The policies that can select the agent's pods (the others cannot change the result). */
function policies(ctx: GuardContext): readonly Manifest[] {
  return ctx.index.networkPolicies(ctx.agent.namespace);
}

function pod(ctx: GuardContext) {
  const labels = ctx.definition.podLabels ?? agentPodLabels(policies(ctx), ctx.agent);
  return { namespace: ctx.agent.namespace, labels };
}

const egressOfRun = new WeakMap<GuardContext, EgressAnalysis>();

/** The egress of the agent's pods, computed once per guard run. */
function egress(ctx: GuardContext): EgressAnalysis {
  let found = egressOfRun.get(ctx);
  if (!found) {
    found = egressGrants(policies(ctx), pod(ctx));
    egressOfRun.set(ctx, found);
  }
  return found;
}

function notIsolated(ctx: GuardContext): RuleHit[] {
  if (!ctx.index.find('ServiceAccount', ctx.agent.namespace, ctx.agent.name)) return [];
  if (egress(ctx).isolated) return [];
  const sa = ctx.index.ofKind('ServiceAccount').find((m) => m.metadata?.name === ctx.agent.name)!;
  return [{ what: `no NetworkPolicy or CiliumNetworkPolicy isolates the egress of the agent's pods (${Object.entries(pod(ctx).labels).map(([k, v]) => `${k}=${v}`).join(',')} in ${ctx.agent.namespace}), so they may reach any destination`, where: ctx.where(sa) }];
}

function wideEgress(ctx: GuardContext): RuleHit[] {
  const { isolated, grants } = egress(ctx);
  if (!isolated) return [];
  const byPolicy = new Map<string, string[]>();
  for (const g of grants) {
    const dest = grantPeerLabel(g.to);
    const allowed = ctx.ceiling.egress.get(dest);
    const extra = grantPortLabels(g.ports).filter((p) => !allowed?.has(p)).map((p) => `${dest === '*' ? 'anywhere' : dest} ${p}`);
    if (extra.length === 0) continue;
    const key = `${g.policy.kind}\u0000${g.policy.namespace}\u0000${g.policy.name}`;
    byPolicy.set(key, [...(byPolicy.get(key) ?? []), ...extra]);
  }
  return [...byPolicy].map(([key, extra]) => {
    const [kind, namespace, name] = key.split('\u0000') as [string, string, string];
    const source = ctx.index.find(kind, namespace, name);
    return {
      what: `${kind} ${namespace ? `${namespace}/` : ''}${name} selects the agent's pods and allows egress to ${listed([...new Set(extra)])}, above the ${phaseLabel(ctx.phase)} ceiling`,
      where: source ? ctx.where(source) : `${kind} ${namespace}/${name}`,
    };
  });
}

/** DNS names the output lets the agent look up beyond what the ceiling allows. */
function wideDns(ctx: GuardContext): RuleHit[] {
  const allowed = ctx.ceiling.model.egress.dnsNames;
  const actual = ctx.access.egress.dnsNames;
  if (allowed === null || !egress(ctx).isolated) return [];
  const extra = actual === null ? ['any name (lookups are not filtered, so DNS carries data out)'] : actual.filter((n) => !allowed.includes(n));
  if (extra.length === 0) return [];
  const policy = policies(ctx).find((m) => m.kind !== 'NetworkPolicy' && selects(m, ctx, pod(ctx).labels)) ?? policies(ctx).find((m) => selects(m, ctx, pod(ctx).labels));
  return [{ what: `the policies selecting the agent's pods let it look up ${listed(extra)}, above the ${phaseLabel(ctx.phase)} ceiling (${allowed.length > 0 ? listed(allowed) : 'no names'})`, where: policy ? ctx.where(policy) : ctx.agent.namespace }];
}

/** Ports the output opens for the agent's pods, over every destination but DNS. */
function openPorts(ctx: GuardContext): Set<string> {
  return new Set(Object.entries(ctx.access.egress.destinations).flatMap(([dest, ports]) => (dest.includes('kube-dns') ? [] : ports.includes('*') ? ['443/TCP', '6443/TCP', '8200/TCP'] : [...ports])));
}

/**
 * Under default deny an agent reaches only what its egress names: a definition that reads the
 * Kubernetes API, Vault or AWS without egress on their ports cannot work in the cluster.
 */
function unreachable(ctx: GuardContext): RuleHit[] {
  if (!ctx.index.find('ServiceAccount', ctx.agent.namespace, ctx.agent.name)) return [];
  const ports = openPorts(ctx);
  const has = (...want: string[]) => want.some((p) => ports.has(p));
  const def = ctx.definition;
  const declares = (key: 'kubernetes' | 'vault' | 'aws') => (['observe', 'recommend', 'remediate', 'autonomous'] as const).some((t) => (def[t]?.[key]?.length ?? 0) > 0 || (key === 'kubernetes' && (def[t]?.kubernetesActions?.length ?? 0) > 0));
  const missing: string[] = [];
  if (declares('kubernetes') && !has('443/TCP', '6443/TCP')) missing.push('the Kubernetes API server (no egress on 443 or 6443/TCP)');
  if (declares('vault') && !has('8200/TCP', '443/TCP')) missing.push('Vault (no egress on 8200 or 443/TCP)');
  if (declares('aws') && !has('443/TCP')) missing.push('the AWS endpoints (no egress on 443/TCP)');
  if (missing.length === 0) return [];
  const sa = ctx.index.find('ServiceAccount', ctx.agent.namespace, ctx.agent.name)!;
  return [{ what: `the agent's pods cannot reach ${missing.join(', ')} under default-deny egress in ${phaseLabel(ctx.phase)}`, where: ctx.where(sa) }];
}

function selects(m: Manifest, ctx: GuardContext, labels: Readonly<Record<string, string>>): boolean {
  const spec = (m['spec'] ?? {}) as { podSelector?: LabelSelector; endpointSelector?: LabelSelector };
  if (m.kind === 'NetworkPolicy') return (m.metadata?.namespace ?? '') === ctx.agent.namespace && selectorMatches(spec.podSelector ?? {}, labels);
  if (m.kind === 'CiliumNetworkPolicy') return (m.metadata?.namespace ?? '') === ctx.agent.namespace && selectorMatches(spec.endpointSelector ?? {}, labels);
  return m.kind === 'CiliumClusterwideNetworkPolicy' && selectorMatches(spec.endpointSelector ?? {}, labels);
}

function opensIngress(m: Manifest): boolean {
  const spec = (m['spec'] ?? {}) as { ingress?: Array<Record<string, unknown>> };
  return (spec.ingress ?? []).some((rule) => {
    const peers = Object.entries(rule).filter(([k]) => k === 'from' || k.startsWith('from'));
    // An empty rule (no peers at all) allows everything; a peer list that is empty selects nothing.
    if (peers.length === 0) return true;
    return peers.some(([, v]) => !Array.isArray(v) || v.length > 0);
  });
}

function ingress(ctx: GuardContext): RuleHit[] {
  const labels = pod(ctx).labels;
  return policies(ctx)
    .filter((m) => selects(m, ctx, labels) && opensIngress(m))
    .map((m) => ({ what: `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name ?? ''} allows ingress to the agent's pods`, where: ctx.where(m) }));
}

/** The network rules. */
export const NETWORK_RULES: readonly GuardRule[] = [
  {
    id: 'GT-NET-001',
    level: 'error',
    checks: 'The agent\'s pods are isolated for egress by a NetworkPolicy or CiliumNetworkPolicy.',
    why: 'Without an egress policy selecting them the pods reach every destination, including where a shadow agent\'s output must never go.',
    fix: 'Keep the NetworkPolicy TrustPhasedAgent renders, and keep its pod selector equal to the agent\'s podLabels.',
    check: notIsolated,
  },
  {
    id: 'GT-NET-002',
    level: 'error',
    checks: 'No NetworkPolicy or Cilium policy selecting the agent\'s pods allows egress beyond DNS and the egress of the phase\'s active tiers, nor (Cilium) DNS lookups of names beyond the cluster domain and the active tiers\' fqdn destinations.',
    why: 'Policies add up: any policy that selects the pods widens where they can send data, whoever wrote it.',
    fix: 'Narrow the policy\'s pod selector so it does not select the agent, or declare the destination in the agent definition\'s egress.',
    check: (ctx) => [...wideEgress(ctx), ...wideDns(ctx)],
  },
  {
    id: 'GT-NET-003',
    level: 'warning',
    checks: 'No policy selecting the agent\'s pods allows ingress to them.',
    why: 'The agent needs no inbound connections; an open port lets other workloads feed it input or reach its credentials.',
    fix: 'Remove the ingress rule or narrow its selector, or suppress with the reason (e.g. a metrics scraper).',
    check: ingress,
  },
  {
    id: 'GT-NET-004',
    level: 'warning',
    checks: 'The egress of the phase reaches the services the definition uses: the Kubernetes API server (443/6443), Vault (8200 or 443) and AWS (443).',
    why: 'Egress is default-deny: an agent with Kubernetes, Vault or AWS access but no egress to them fails at run time, and the fix people reach for under pressure is a wide-open policy.',
    fix: 'Add an egress rule to the observe tier for each: the API server endpoint (e.g. { cidr: \'10.0.0.1/32\' } on 443 and 6443), Vault\'s pods or address on 8200, the AWS endpoints on 443 (a VPC endpoint CIDR or, with Cilium, their fqdn); or suppress with the reason (e.g. a proxy).',
    check: unreachable,
  },
];
