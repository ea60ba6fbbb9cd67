import fc from 'fast-check';
import { accessOf } from '../../src/analysis/access';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import { allowsEgress, ipInBlock, type EgressDestination, type Protocol } from '../../src/analysis/k8s/netpol';
import { ruleAllows, type PolicyRule, type ResourceRequest } from '../../src/analysis/k8s/rbac';
import { kubernetesDangers } from '../../src/definition/dangerous';
import { LABELS, objectNames } from '../../src/definition/names';
import type { AgentDefinition, EgressRule, KubernetesAccess, KubernetesAction, Tier } from '../../src/definition/types';
import { PHASE_VALUES, TIERS, TIER_VALUES, activeTiers, type Phase } from '../../src/phase/table';
import { validDefinition } from '../support/arbitraries';
import { can, identity, ofKind, synth } from './helpers';

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const KUBE_DNS: EgressDestination = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

/** The RBAC each action needs, restated here from the action catalogue's contract (docs/k8s.md). */
const ACTION_RBAC: Record<KubernetesAction['action'], { sub: string; verbs: string[] }> = {
  restart: { sub: '', verbs: ['get', 'patch'] },
  scale: { sub: 'scale', verbs: ['get', 'update', 'patch'] },
  'delete-pod': { sub: '', verbs: ['get', 'delete'] },
  'set-image': { sub: '', verbs: ['get', 'patch'] },
  'patch-fields': { sub: '', verbs: ['get', 'update', 'patch'] },
};

/** An action as the raw rule it must grant. */
function actionAsRule(a: KubernetesAction): KubernetesAccess {
  const kind = a.action === 'delete-pod' ? 'pods' : String(a.kind);
  const [group, resource] = kind.includes('/') ? kind.split('/') as [string, string] : ['', kind];
  const { sub, verbs } = ACTION_RBAC[a.action]!;
  return { apiGroups: [group], resources: [sub ? `${resource}/${sub}` : resource], verbs, namespaces: [...a.namespaces], ...(a.names ? { resourceNames: [...a.names] } : {}) };
}

function tierRules(def: AgentDefinition, tiers: readonly Tier[]): Array<{ tier: Tier; rule: KubernetesAccess }> {
  return tiers.flatMap((tier) => [
    ...(def[tier]?.kubernetes ?? []).map((rule) => ({ tier, rule })),
    ...(def[tier]?.kubernetesActions ?? []).map((a) => ({ tier, rule: actionAsRule(a) })),
  ]);
}

function tierEgress(def: AgentDefinition, tiers: readonly Tier[]): EgressRule[] {
  return tiers.flatMap((tier) => def[tier]?.egress ?? []);
}

/** Requests derived from every rule of every tier: each verb, on listed and unlisted names, in listed namespaces and cluster-wide. */
function requestsOf(def: AgentDefinition): ResourceRequest[] {
  const out: ResourceRequest[] = [];
  for (const { rule } of tierRules(def, TIER_VALUES)) {
    const namespaces = rule.clusterScoped ? ['', def.namespace] : [...rule.namespaces!, ''];
    for (const apiGroup of rule.apiGroups) {
      for (const combined of rule.resources) {
        const [resource, subresource] = combined.split('/') as [string, string | undefined];
        for (const name of [...(rule.resourceNames ?? []), 'unlisted-object', undefined]) {
          for (const namespace of namespaces) {
            for (const verb of ALL_VERBS) {
              out.push({ verb, apiGroup, resource, namespace, ...(subresource ? { subresource } : {}), ...(name ? { name } : {}) });
            }
          }
        }
      }
    }
  }
  const namespaces = new Set([def.namespace, ...tierRules(def, TIER_VALUES).flatMap(({ rule }) => rule.namespaces ?? [])]);
  for (const namespace of namespaces) {
    out.push(
      { verb: 'get', apiGroup: '', resource: 'secrets', namespace },
      { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec', name: 'p', namespace },
      { verb: 'patch', apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', name: objectNames(def.name).role, namespace },
      { verb: 'get', apiGroup: '', resource: 'configmaps', name: objectNames(def.name).phaseConfig, namespace },
      { verb: 'update', apiGroup: '', resource: 'configmaps', name: objectNames(def.name).approvals, namespace },
    );
  }
  return out;
}

/** What the definition says the agent may do in a phase, straight from its active rules. */
function declared(def: AgentDefinition, phase: Phase, req: ResourceRequest): boolean {
  const phaseConfig: PolicyRule = { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [objectNames(def.name).phaseConfig] };
  if (req.namespace === def.namespace && ruleAllows(phaseConfig, req)) return true;
  return tierRules(def, activeTiers(phase)).some(({ tier, rule }) => {
    const inScope = rule.clusterScoped || (req.namespace !== '' && rule.namespaces!.includes(req.namespace!));
    const policy: PolicyRule = { ...rule, verbs: rule.verbs ?? TIERS[tier].defaultKubernetesVerbs };
    return inScope && ruleAllows(policy, req);
  });
}

interface Probe { dest: EgressDestination; port: number; protocol: Protocol }

/** One probe per port of every egress rule of every tier, plus a neighbouring port. */
function probesOf(def: AgentDefinition): Probe[] {
  return tierEgress(def, TIER_VALUES).flatMap((rule) => {
    const to = rule.to;
    const dest: EgressDestination = 'cidr' in to ? { ip: to.cidr.split('/')[0]! }
      : 'fqdn' in to ? { fqdn: to.fqdn }
      : { namespace: to.namespace, labels: to.podLabels ?? { app: 'anything' } };
    return rule.ports.flatMap((p) => [
      { dest, port: p.port, protocol: p.protocol ?? 'TCP' },
      { dest, port: p.port === 65535 ? 1 : p.port + 1, protocol: p.protocol ?? 'TCP' },
    ]);
  });
}

/** Whether a probe matches an egress rule of the definition. */
function ruleReaches(rule: EgressRule, { dest, port, protocol }: Probe): boolean {
  if (!rule.ports.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol)) return false;
  const to = rule.to;
  if ('cidr' in to) return 'ip' in dest && ipInBlock(dest.ip, to.cidr, to.except);
  if ('fqdn' in to) return 'fqdn' in dest && dest.fqdn === to.fqdn;
  return 'namespace' in dest && dest.namespace === to.namespace
    && Object.entries(to.podLabels ?? {}).every(([k, v]) => dest.labels[k] === v);
}

function podOf(def: AgentDefinition) {
  return { namespace: def.namespace, labels: def.podLabels ?? { 'app.kubernetes.io/name': def.name } };
}

const hasFqdn = (def: AgentDefinition) => tierEgress(def, TIER_VALUES).some((r) => 'fqdn' in r.to);
const flavourFor = (def: AgentDefinition) => (hasFqdn(def) ? 'cilium' as const : 'kubernetes' as const);
const synthAll = (def: AgentDefinition): Manifest[][] => PHASE_VALUES.map((p) => synth(def, p, { networkPolicy: flavourFor(def) }));

describe('TrustPhasedAgent properties over random valid definitions', () => {
  it('grants in phase N only what it grants in phase N+1 (RBAC)', () => {
    fc.assert(fc.property(validDefinition(), (def) => {
      const phases = synthAll(def);
      for (const req of requestsOf(def)) {
        for (let n = 0; n < 3; n++) {
          if (can(phases[n]!, def, req)) expect(can(phases[n + 1]!, def, req), JSON.stringify({ phase: n + 1, req })).toBe(true);
        }
      }
    }), { numRuns: 60 });
  });

  it('grants exactly the active tiers\' rules and the phase ConfigMap read', () => {
    fc.assert(fc.property(validDefinition({ dangerous: true }), fc.constantFrom(...PHASE_VALUES), (def, phase) => {
      const manifests = synth(def, phase, { networkPolicy: flavourFor(def) });
      for (const req of requestsOf(def)) {
        expect(can(manifests, def, req), JSON.stringify({ phase, req })).toBe(declared(def, phase, req));
      }
    }), { numRuns: 80 });
  });

  it('never renders a dangerous grant without its acknowledgement', () => {
    fc.assert(fc.property(validDefinition({ dangerous: true }), fc.constantFrom(...PHASE_VALUES), (def, phase) => {
      const reasons = tierRules(def, TIER_VALUES).flatMap(({ rule }) => (rule.dangerous ? [rule.dangerous.reason] : []));
      const manifests = synth(def, phase, { networkPolicy: flavourFor(def) });
      for (const role of [...ofKind(manifests, 'Role'), ...ofKind(manifests, 'ClusterRole')]) {
        // A pod-template write of an action is bounded by admission (see the model assertions below), not acknowledged.
        const dangerous = (role['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>).filter((r) => kubernetesDangers(r).some((d) => d.id !== 'pod-template-write'));
        if (dangerous.length === 0) continue;
        const annotation = role.metadata?.annotations?.[LABELS.dangerousReason] ?? '';
        expect(reasons.some((reason) => annotation.includes(reason))).toBe(true);
      }
    }), { numRuns: 100 });
  });

  it('never grants the dangerous set to a definition without acknowledgements', () => {
    fc.assert(fc.property(validDefinition(), (def) => {
      for (const manifests of synthAll(def)) {
        const rules = [...ofKind(manifests, 'Role'), ...ofKind(manifests, 'ClusterRole')]
          .flatMap((r) => r['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>);
        expect(rules.flatMap((r) => kubernetesDangers(r)).filter((d) => d.id !== 'pod-template-write')).toEqual([]);
        // Judged by reach, with admission: nothing dangerous, nothing reaching other identities.
        const model = accessOf({ manifests: manifests.map((manifest) => ({ manifest, where: 'test' })), stacks: [] }, def);
        expect(model.kubernetes.dangerous).toEqual([]);
        expect(model.reach).toEqual([]);
        for (const namespace of [def.namespace, 'shop', 'kube-system', '']) {
          // An oracle list of escalation requests, independent of the dangerous-set code.
          const escalations: ResourceRequest[] = [
            { verb: 'get', apiGroup: '', resource: 'secrets', namespace },
            { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec', name: 'p', namespace },
            { verb: 'patch', apiGroup: '', resource: 'pods', subresource: 'ephemeralcontainers', name: 'p', namespace },
            { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'proxy', name: 'p', namespace },
            { verb: 'get', apiGroup: '', resource: 'services', subresource: 'proxy', name: 's', namespace },
            { verb: 'create', apiGroup: '', resource: 'pods', namespace },
            { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace },
            { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name: 'default', namespace },
            { verb: 'patch', apiGroup: '', resource: 'configmaps', name: 'aws-auth', namespace: 'kube-system' },
            { verb: 'update', apiGroup: '', resource: 'configmaps', name: objectNames(def.name).approvals, namespace },
            { verb: 'update', apiGroup: '', resource: 'configmaps', name: 'other-agent-approvals', namespace },
            { verb: 'bind', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin', namespace },
            { verb: 'patch', apiGroup: 'networking.k8s.io', resource: 'networkpolicies', name: objectNames(def.name).networkPolicy, namespace },
          ];
          for (const req of escalations) expect(can(manifests, def, req), JSON.stringify(req)).toBe(false);
        }
      }
    }), { numRuns: 60 });
  });

  it('allows in phase N only the egress it allows in phase N+1', () => {
    fc.assert(fc.property(validDefinition(), (def) => {
      const phases = synthAll(def);
      const pod = podOf(def);
      for (const { dest, port, protocol } of probesOf(def)) {
        for (let n = 0; n < 3; n++) {
          if (allowsEgress(phases[n]!, pod, dest, port, protocol)) {
            expect(allowsEgress(phases[n + 1]!, pod, dest, port, protocol), JSON.stringify({ phase: n + 1, dest, port, protocol })).toBe(true);
          }
        }
      }
    }), { numRuns: 80 });
  });

  it('allows exactly DNS and the active tiers\' egress, in both flavours', () => {
    fc.assert(fc.property(validDefinition(), fc.constantFrom(...PHASE_VALUES), fc.constantFrom('kubernetes' as const, 'cilium' as const), (def, phase, flavour) => {
      fc.pre(flavour === 'cilium' || !hasFqdn(def));
      const manifests = synth(def, phase, { networkPolicy: flavour });
      const pod = podOf(def);
      const active = tierEgress(def, activeTiers(phase));
      for (const probe of probesOf(def)) {
        const expected = active.some((r) => ruleReaches(r, probe));
        expect(allowsEgress(manifests, pod, probe.dest, probe.port, probe.protocol), JSON.stringify({ phase, probe })).toBe(expected);
      }
      for (const protocol of ['UDP', 'TCP'] as const) expect(allowsEgress(manifests, pod, KUBE_DNS, 53, protocol)).toBe(true);
    }), { numRuns: 150 });
  });

  it('names every object from objectNames and keeps the same objects across phases', () => {
    fc.assert(fc.property(validDefinition(), (def) => {
      const names = new Set<string>(Object.values(objectNames(def.name)));
      const phases = synthAll(def);
      for (const manifests of phases) for (const m of manifests) expect(names.has(m.metadata!.name!)).toBe(true);
      for (let n = 0; n < 3; n++) {
        const next = new Set(phases[n + 1]!.map(identity));
        const kept = phases[n]!.map(identity).filter((id) => !id.startsWith('ValidatingAdmissionPolicy'));
        for (const id of kept) expect(next.has(id), `${id} disappears in phase ${n + 2}`).toBe(true);
      }
    }), { numRuns: 60 });
  });
});
