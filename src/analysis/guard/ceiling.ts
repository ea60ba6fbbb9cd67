/**
 * The phase ceiling: the most an agent may hold in a phase, computed from the phase table and
 * the agent definition exactly as TrustPhasedAgent renders them (the tiers the phase activates,
 * each rule's verbs after the tier default, the read of its own phase ConfigMap, DNS, the token
 * TTL and session ceilings of the phase table).
 */
import { KUBE_DNS, objectNames, type DnsEndpoint } from '../../definition/names';
import { tierCapabilities, type AgentDefinition, type AwsAccess, type EgressPeer, type VaultAccess } from '../../definition/types';
import { kubernetesVerbs } from '../../definition/validate';
import { activeTiers, PHASES, type Phase } from '../../phase/table';
import type { KubernetesRow } from '../k8s/access';
import { ANY } from '../model';
import { peerLabel, portLabel } from '../k8s/egress';

/** What the phase allows the agent at most. */
export interface Ceiling {
  readonly kubernetes: readonly KubernetesRow[];
  /** Destination label → allowed ports (`443/TCP`). */
  readonly egress: ReadonlyMap<string, ReadonlySet<string>>;
  readonly vault: readonly VaultAccess[];
  readonly aws: readonly AwsAccess[];
  readonly vaultTokenTtlSeconds: number;
  readonly vaultTokenMaxTtlSeconds: number;
  readonly iamMaxSessionDurationSeconds: number;
}

function kubernetesCeiling(def: AgentDefinition, phase: Phase): KubernetesRow[] {
  const rows: KubernetesRow[] = [
    { scope: def.namespace, apiGroup: '', resource: 'configmaps', verb: 'get', name: objectNames(def.name).phaseConfig },
  ];
  for (const tier of activeTiers(phase)) {
    for (const rule of tierCapabilities(def, tier).kubernetes ?? []) {
      const scopes = rule.clusterScoped ? [ANY] : [...(rule.namespaces ?? [])];
      const names = rule.resourceNames && rule.resourceNames.length > 0 ? rule.resourceNames : [ANY];
      for (const scope of scopes) {
        for (const apiGroup of rule.apiGroups) {
          for (const resource of rule.resources) {
            for (const verb of kubernetesVerbs(rule, tier)) {
              for (const name of names) rows.push({ scope, apiGroup, resource, verb, name });
            }
          }
        }
      }
    }
  }
  return rows;
}

function egressCeiling(def: AgentDefinition, phase: Phase, dns: DnsEndpoint): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (peer: EgressPeer, ports: readonly string[]) => {
    const label = peerLabel(peer);
    const set = out.get(label) ?? new Set<string>();
    for (const p of ports) set.add(p);
    out.set(label, set);
  };
  add({ namespace: dns.namespace, podLabels: dns.podLabels }, ['53/UDP', '53/TCP']);
  for (const tier of activeTiers(phase)) {
    for (const rule of tierCapabilities(def, tier).egress ?? []) add(rule.to, rule.ports.map((p) => portLabel(p.port, p.protocol ?? 'TCP')));
  }
  return out;
}

/** The ceiling of `def` in `phase`. */
export function phaseCeiling(def: AgentDefinition, phase: Phase, dns: DnsEndpoint = KUBE_DNS): Ceiling {
  const tiers = activeTiers(phase);
  const rules = PHASES[phase];
  return {
    kubernetes: kubernetesCeiling(def, phase),
    egress: egressCeiling(def, phase, dns),
    vault: tiers.flatMap((t) => tierCapabilities(def, t).vault ?? []),
    aws: tiers.flatMap((t) => tierCapabilities(def, t).aws ?? []),
    vaultTokenTtlSeconds: rules.vaultTokenTtlSeconds.ceiling,
    vaultTokenMaxTtlSeconds: rules.vaultTokenMaxTtlSeconds.ceiling,
    iamMaxSessionDurationSeconds: rules.iamMaxSessionDurationSeconds.ceiling,
  };
}
