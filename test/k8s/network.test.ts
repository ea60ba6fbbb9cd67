import { describe, expect, it } from 'vitest';
import { allowsEgress, egressGrants, type EgressDestination, type Protocol } from '../../src/analysis/k8s/netpol';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import type { AgentDefinition } from '../../src/definition/types';
import { TrustError } from '../../src/errors';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { incidentResponder } from '../../examples/incident-responder';
import { one, synth } from './helpers';

const pod = { namespace: 'ops-agents', labels: { 'app.kubernetes.io/name': 'incident-responder' } };
const kubeDns: EgressDestination = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const prometheus: EgressDestination = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
const chatWebhook: EgressDestination = { ip: '198.51.100.10' };

/** The example with its chat webhook given by name, which needs the Cilium flavour. */
const byName: AgentDefinition = {
  ...incidentResponder,
  recommend: { egress: [{ name: 'chat-webhook', to: { fqdn: 'hooks.chat.example.com' }, ports: [{ port: 443 }] }] },
};

/** [what, destination, port, protocol, phases in which it is allowed] */
const MATRIX: ReadonlyArray<readonly [string, EgressDestination, number, Protocol, readonly Phase[]]> = [
  ['DNS to kube-dns on UDP 53', kubeDns, 53, 'UDP', [1, 2, 3, 4]],
  ['DNS to kube-dns on TCP 53', kubeDns, 53, 'TCP', [1, 2, 3, 4]],
  ['UDP 53 to another kube-system pod', { namespace: 'kube-system', labels: { app: 'other' } }, 53, 'UDP', []],
  ['UDP 53 to a public resolver', { ip: '8.8.8.8' }, 53, 'UDP', []],
  ['Prometheus on 9090', prometheus, 9090, 'TCP', [1, 2, 3, 4]],
  ['Prometheus on 9091', prometheus, 9091, 'TCP', []],
  ['Prometheus on UDP 9090', prometheus, 9090, 'UDP', []],
  ['another pod in monitoring on 9090', { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' } }, 9090, 'TCP', []],
  ['the API server on 6443', { ip: '10.0.0.1' }, 6443, 'TCP', [1, 2, 3, 4]],
  ['the model API inside its /28', { ip: '203.0.113.14' }, 443, 'TCP', [1, 2, 3, 4]],
  ['the model API range just outside its /28', { ip: '203.0.113.16' }, 443, 'TCP', []],
  ['the chat webhook', chatWebhook, 443, 'TCP', [2, 3, 4]],
  ['an arbitrary internet host', { ip: '192.0.2.1' }, 443, 'TCP', []],
];

describe('TrustPhasedAgent NetworkPolicy (kubernetes flavour)', () => {
  const byPhase = new Map(PHASE_VALUES.map((p) => [p, synth(incidentResponder, p)]));

  for (const [what, dest, port, proto, allowed] of MATRIX) {
    for (const phase of PHASE_VALUES) {
      const expected = allowed.includes(phase);
      it(`${expected ? 'allows' : 'denies'} ${what} in phase ${phase}`, () => {
        expect(allowsEgress(byPhase.get(phase)!, pod, dest, port, proto)).toBe(expected);
      });
    }
  }

  it('isolates the agent pods for ingress and egress, with no ingress rule', () => {
    const np = one(byPhase.get(4)!, 'NetworkPolicy');
    const spec = np['spec'] as { podSelector: unknown; policyTypes: string[]; ingress?: unknown };
    expect(spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'incident-responder' } });
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.ingress).toBeUndefined();
  });

  it('selects only the agent pods', () => {
    const other = { namespace: 'ops-agents', labels: { 'app.kubernetes.io/name': 'another-agent' } };
    expect(egressGrants(byPhase.get(1)!, pod).isolated).toBe(true);
    expect(egressGrants(byPhase.get(1)!, other).isolated).toBe(false);
  });

  it('writes every port with an explicit protocol', () => {
    const egress = (one(byPhase.get(4)!, 'NetworkPolicy')['spec'] as { egress: Array<{ ports: Array<{ protocol?: string }> }> }).egress;
    expect(egress.flatMap((r) => r.ports).every((p) => p.protocol === 'TCP' || p.protocol === 'UDP')).toBe(true);
  });

  it('opens DNS to the DNS pods given in props instead of kube-dns', () => {
    const manifests = synth(incidentResponder, 1, { dns: { namespace: 'dns', podLabels: { app: 'coredns' } } });
    expect(allowsEgress(manifests, pod, { namespace: 'dns', labels: { app: 'coredns' } }, 53, 'UDP')).toBe(true);
    expect(allowsEgress(manifests, pod, kubeDns, 53, 'UDP')).toBe(false);
  });

  it('renders a namespace peer without podLabels as every pod of that namespace', () => {
    const def: AgentDefinition = { ...incidentResponder, observe: { egress: [{ name: 'logs', to: { namespace: 'logging' }, ports: [{ port: 3100 }] }] } };
    const manifests = synth(def, 1);
    expect(allowsEgress(manifests, pod, { namespace: 'logging', labels: { app: 'loki' } }, 3100, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { namespace: 'monitoring', labels: { app: 'loki' } }, 3100, 'TCP')).toBe(false);
  });

  it('keeps an ipBlock except', () => {
    const def: AgentDefinition = { ...incidentResponder, observe: { egress: [{ name: 'corp', to: { cidr: '10.20.0.0/16', except: ['10.20.99.0/24'] }, ports: [{ port: 443 }] }] } };
    const manifests = synth(def, 1);
    expect(allowsEgress(manifests, pod, { ip: '10.20.1.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.20.99.1' }, 443, 'TCP')).toBe(false);
  });

  it('fails on an fqdn destination in any tier, naming the rule and the fix', () => {
    for (const phase of PHASE_VALUES) {
      let error: unknown;
      try { synth(byName, phase); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(TrustError);
      expect((error as TrustError).code).toBe('GT_EGRESS_UNSUPPORTED');
      expect((error as TrustError).message).toContain('test/Agent: recommend.egress[0] "chat-webhook": fqdn "hooks.chat.example.com"');
      expect((error as TrustError).message).toContain("set networkPolicy: 'cilium'");
    }
  });
});

describe('TrustPhasedAgent CiliumNetworkPolicy (cilium flavour)', () => {
  const byPhase = new Map(PHASE_VALUES.map((p) => [p, synth(byName, p, { networkPolicy: 'cilium' })]));
  const webhook: EgressDestination = { fqdn: 'hooks.chat.example.com' };

  const CILIUM_MATRIX: ReadonlyArray<readonly [string, EgressDestination, number, Protocol, readonly Phase[]]> = [
    ...MATRIX.filter(([what]) => what !== 'the chat webhook'),
    ['the chat webhook by name', webhook, 443, 'TCP', [2, 3, 4]],
    ['the chat webhook by name on port 80', webhook, 80, 'TCP', []],
    ['another name', { fqdn: 'evil.example.com' }, 443, 'TCP', []],
  ];

  for (const [what, dest, port, proto, allowed] of CILIUM_MATRIX) {
    for (const phase of PHASE_VALUES) {
      const expected = allowed.includes(phase);
      it(`${expected ? 'allows' : 'denies'} ${what} in phase ${phase}`, () => {
        expect(allowsEgress(byPhase.get(phase)!, pod, dest, port, proto)).toBe(expected);
      });
    }
  }

  it('renders no Kubernetes NetworkPolicy', () => {
    expect(byPhase.get(2)!.filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
  });

  const cluster = ['*', '*.*', '*.*.*', '*.*.*.*'].map((p) => ({ matchPattern: `${p}.cluster.local` }));
  const dnsRule = (phase: Phase) => (one(byPhase.get(phase)!, 'CiliumNetworkPolicy')['spec'] as { egress: Manifest[] }).egress[0];

  it('sends DNS through the DNS proxy, letting through only the cluster domain in Shadow (its output goes nowhere)', () => {
    expect(dnsRule(1)).toEqual({
      toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
      toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }, { port: '53', protocol: 'TCP' }], rules: { dns: cluster } }],
    });
  });

  it('adds the names of the active tiers\' fqdn destinations and their search-path expansions, so toFQDNs can learn them', () => {
    const expansions = ['*.svc.cluster.local', 'svc.cluster.local', 'cluster.local'].map((d) => ({ matchPattern: `hooks.chat.example.com.${d}` }));
    expect((dnsRule(2)!['toPorts'] as Array<{ rules: { dns: unknown[] } }>)[0]!.rules.dns).toEqual([{ matchName: 'hooks.chat.example.com' }, ...cluster, ...expansions]);
  });

  it('never lets a pattern that crosses into names outside the cluster through', () => {
    for (const phase of PHASE_VALUES) {
      const dns = (dnsRule(phase)!['toPorts'] as Array<{ rules: { dns: Array<{ matchName?: string; matchPattern?: string }> } }>)[0]!.rules.dns;
      for (const d of dns) expect(d.matchPattern === undefined || d.matchPattern.endsWith('.cluster.local'), JSON.stringify(d)).toBe(true);
    }
  });

  it('names the namespace in every toEndpoints selector', () => {
    const spec = one(byPhase.get(4)!, 'CiliumNetworkPolicy')['spec'] as { egress: Array<{ toEndpoints?: Array<{ matchLabels: Record<string, string> }> }> };
    const selectors = spec.egress.flatMap((r) => r.toEndpoints ?? []);
    expect(selectors.length).toBeGreaterThan(0);
    expect(selectors.every((s) => 'k8s:io.kubernetes.pod.namespace' in s.matchLabels)).toBe(true);
  });

  it('denies by default both ways, with an ingress rule that selects no peer', () => {
    const spec = one(byPhase.get(1)!, 'CiliumNetworkPolicy')['spec'] as Record<string, unknown>;
    expect(spec['endpointSelector']).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'incident-responder' } });
    expect(spec['enableDefaultDeny']).toEqual({ ingress: true, egress: true });
    expect(spec['ingress']).toEqual([{ fromEntities: [] }]);
  });

  it('renders CIDR destinations as toCIDRSet with their except', () => {
    const def: AgentDefinition = { ...byName, observe: { egress: [{ name: 'corp', to: { cidr: '10.20.0.0/16', except: ['10.20.99.0/24'] }, ports: [{ port: 443 }] }] } };
    const manifests = synth(def, 1, { networkPolicy: 'cilium' });
    const egress = (one(manifests, 'CiliumNetworkPolicy')['spec'] as { egress: unknown[] }).egress;
    expect(egress[1]).toEqual({ toCIDRSet: [{ cidr: '10.20.0.0/16', except: ['10.20.99.0/24'] }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] });
    expect(allowsEgress(manifests, pod, { ip: '10.20.99.1' }, 443, 'TCP')).toBe(false);
  });
});
