import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/analysis/k8s/authorizer';
import { allowsEgress, egressGrants, fqdnPatternMatches, ipInBlock, selectorMatches, type PodRef } from '../../src/analysis/k8s/netpol';

const pod: PodRef = { namespace: 'app', labels: { app: 'agent', tier: 'backend' } };
const web = { namespace: 'web', labels: { app: 'frontend' } };

function np(spec: Record<string, unknown>, namespace = 'app', name = 'p'): Manifest {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec: { podSelector: {}, ...spec } };
}

function cnp(spec: Record<string, unknown>, namespace = 'app'): Manifest {
  return { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'c', namespace }, spec: { endpointSelector: {}, ...spec } };
}

describe('egress isolation (Kubernetes NetworkPolicy)', () => {
  it('allows everything when no policy selects the pod', () => {
    const manifests = [np({ podSelector: { matchLabels: { app: 'other' } }, policyTypes: ['Egress'] })];
    expect(egressGrants(manifests, pod).isolated).toBe(false);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 443, 'TCP')).toBe(true);
  });

  it('ignores policies in other namespaces', () => {
    expect(egressGrants([np({ policyTypes: ['Egress'] }, 'other')], pod).isolated).toBe(false);
  });

  it('does not isolate egress with an Ingress-only policy', () => {
    expect(egressGrants([np({ policyTypes: ['Ingress'] })], pod).isolated).toBe(false);
  });

  it('defaults policyTypes from the presence of egress rules', () => {
    expect(egressGrants([np({})], pod).isolated).toBe(false);
    expect(egressGrants([np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })], pod).isolated).toBe(true);
  });

  it('denies all egress with an Egress policy that has no rules', () => {
    const manifests = [np({ policyTypes: ['Egress'] })];
    expect(allowsEgress(manifests, pod, { ip: '10.0.0.1' }, 53, 'UDP')).toBe(false);
    expect(allowsEgress(manifests, pod, web, 80, 'TCP')).toBe(false);
  });
});

describe('egress rules (Kubernetes NetworkPolicy)', () => {
  const iso = { policyTypes: ['Egress'] };

  it('treats a rule without `to` as every destination', () => {
    const manifests = [np({ ...iso, egress: [{ ports: [{ port: 443 }] }] })];
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, web, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { fqdn: 'example.com' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, web, 80, 'TCP')).toBe(false);
  });

  it('treats a rule without ports as every port and protocol', () => {
    const manifests = [np({ ...iso, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })];
    expect(allowsEgress(manifests, pod, { ip: '10.1.2.3' }, 5432, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.1.2.3' }, 53, 'UDP')).toBe(true);
  });

  it('reads a port without protocol as TCP only', () => {
    const manifests = [np({ ...iso, egress: [{ ports: [{ port: 53 }] }] })];
    expect(allowsEgress(manifests, pod, { ip: '10.0.0.10' }, 53, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.0.0.10' }, 53, 'UDP')).toBe(false);
  });

  it('honours endPort ranges and a protocol without port', () => {
    const manifests = [np({ ...iso, egress: [{ ports: [{ port: 8000, endPort: 8010 }, { protocol: 'UDP' }] }] })];
    expect(allowsEgress(manifests, pod, web, 8005, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, web, 8011, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, web, 12345, 'UDP')).toBe(true);
  });

  it('never matches a named port against a number', () => {
    const manifests = [np({ ...iso, egress: [{ ports: [{ port: 'http' }] }] })];
    expect(allowsEgress(manifests, pod, web, 80, 'TCP')).toBe(false);
  });

  it('carves an ipBlock except out of the block (IPv4 and IPv6)', () => {
    const manifests = [np({ ...iso, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }, { ipBlock: { cidr: '2001:db8::/32' } }] }] })];
    expect(allowsEgress(manifests, pod, { ip: '10.1.0.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.100.0.1' }, 443, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, { ip: '2001:db8::1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '2001:db9::1' }, 443, 'TCP')).toBe(false);
  });

  it('ANDs namespaceSelector and podSelector in one peer, ORs separate peers', () => {
    const and = [np({ ...iso, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } }, podSelector: { matchLabels: { app: 'frontend' } } }] }] })];
    const or = [np({ ...iso, egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'web' } } }, { podSelector: { matchLabels: { app: 'frontend' } } }] }] })];
    expect(allowsEgress(and, pod, web, 80, 'TCP')).toBe(true);
    expect(allowsEgress(and, pod, { namespace: 'web', labels: { app: 'other' } }, 80, 'TCP')).toBe(false);
    expect(allowsEgress(and, pod, { namespace: 'app', labels: { app: 'frontend' } }, 80, 'TCP')).toBe(false);
    expect(allowsEgress(or, pod, { namespace: 'web', labels: { app: 'other' } }, 80, 'TCP')).toBe(true);
    expect(allowsEgress(or, pod, { namespace: 'app', labels: { app: 'frontend' } }, 80, 'TCP')).toBe(true);
    expect(allowsEgress(or, pod, { namespace: 'other', labels: { app: 'frontend' } }, 80, 'TCP')).toBe(false);
  });

  it('selects namespaces by their labels, and every namespace with an empty selector', () => {
    const byLabel = [np({ ...iso, egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }] })];
    const all = [np({ ...iso, egress: [{ to: [{ namespaceSelector: {} }] }] })];
    expect(allowsEgress(byLabel, pod, { ...web, namespaceLabels: { team: 'a' } }, 80, 'TCP')).toBe(true);
    expect(allowsEgress(byLabel, pod, web, 80, 'TCP')).toBe(false);
    expect(allowsEgress(all, pod, web, 80, 'TCP')).toBe(true);
    expect(allowsEgress(all, pod, { ip: '192.0.2.1' }, 80, 'TCP')).toBe(false);
  });

  it('unions the rules of every policy that selects the pod', () => {
    const manifests = [
      np({ ...iso, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 443 }] }] }, 'app', 'a'),
      np({ podSelector: { matchLabels: { tier: 'backend' } }, ...iso, egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }] }, 'app', 'b'),
    ];
    expect(allowsEgress(manifests, pod, { ip: '10.0.0.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.7' }, 22, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.0.0.1' }, 22, 'TCP')).toBe(false);
    expect(egressGrants(manifests, pod).grants.map((g) => `${g.policy.name}#${g.rule}`)).toEqual(['a#0', 'b#0']);
  });
});

describe('selectorMatches', () => {
  it('applies matchLabels and every expression operator', () => {
    const labels = { app: 'a', env: 'prod' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'NotIn', values: ['x'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'missing', operator: 'In', values: ['x'] }] }, labels)).toBe(false);
  });
});

describe('ipInBlock', () => {
  it('matches only addresses of the same family inside the block and outside its exceptions', () => {
    expect(ipInBlock('10.0.0.1', '10.0.0.0/31')).toBe(true);
    expect(ipInBlock('10.0.0.2', '10.0.0.0/31')).toBe(false);
    expect(ipInBlock('10.0.0.1', '10.0.0.0/24', ['10.0.0.0/30'])).toBe(false);
    expect(ipInBlock('::ffff:10.0.0.1', '10.0.0.0/8')).toBe(false);
    expect(ipInBlock('fd00::1', 'fd00::1/128')).toBe(true);
  });
});

describe('Cilium egress', () => {
  const dns = {
    toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }],
    toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }], rules: { dns: [{ matchPattern: '*' }] } }],
  };
  const kubeDns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

  it('isolates egress when the policy has egress rules, unless enableDefaultDeny.egress is false', () => {
    expect(egressGrants([cnp({ egress: [dns] })], pod).isolated).toBe(true);
    expect(egressGrants([cnp({ egress: [dns], enableDefaultDeny: { egress: false } })], pod).isolated).toBe(false);
    expect(egressGrants([cnp({ ingress: [{}] })], pod).isolated).toBe(false);
    expect(egressGrants([cnp({ egress: [dns] }, 'other')], pod).isolated).toBe(false);
  });

  it('selects the policy subject by endpoint labels with or without the k8s: source', () => {
    expect(egressGrants([cnp({ endpointSelector: { matchLabels: { 'k8s:app': 'agent' } }, egress: [dns] })], pod).isolated).toBe(true);
    expect(egressGrants([cnp({ endpointSelector: { matchLabels: { app: 'other' } }, egress: [dns] })], pod).isolated).toBe(false);
  });

  it('allows DNS on any protocol with port protocol ANY', () => {
    const manifests = [cnp({ egress: [dns] })];
    expect(allowsEgress(manifests, pod, kubeDns, 53, 'UDP')).toBe(true);
    expect(allowsEgress(manifests, pod, kubeDns, 53, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, kubeDns, 54, 'UDP')).toBe(false);
  });

  it('reads toEndpoints without a namespace label as the policy namespace', () => {
    const manifests = [cnp({ egress: [{ toEndpoints: [{ matchLabels: { app: 'db' } }] }] })];
    expect(allowsEgress(manifests, pod, { namespace: 'app', labels: { app: 'db' } }, 5432, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { namespace: 'web', labels: { app: 'db' } }, 5432, 'TCP')).toBe(false);
  });

  it('matches toFQDNs by name and by pattern, case- and trailing-dot-insensitively', () => {
    const manifests = [cnp({ egress: [dns, { toFQDNs: [{ matchName: 'hooks.example.com' }, { matchPattern: '*.api.example.org' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }] })];
    expect(allowsEgress(manifests, pod, { fqdn: 'Hooks.Example.com.' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { fqdn: 'eu.api.example.org' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { fqdn: 'a.eu.api.example.org' }, 443, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, { fqdn: 'hooks.example.com' }, 80, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 443, 'TCP')).toBe(false);
  });

  it('reads toCIDR, toCIDRSet with except, and a toPorts-only rule as every destination', () => {
    const manifests = [cnp({ egress: [
      { toCIDR: ['192.0.2.0/24'] },
      { toCIDRSet: [{ cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] }] },
      { toPorts: [{ ports: [{ port: '8443', protocol: 'TCP' }] }] },
    ] })];
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.9' }, 1, 'UDP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.1.0.1' }, 22, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '10.100.0.1' }, 22, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, web, 8443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, web, 8444, 'TCP')).toBe(false);
  });

  it('reads an empty toEndpoints list as no destination and port 0 as every port', () => {
    const manifests = [cnp({ egress: [{ toEndpoints: [] }, { toCIDR: ['192.0.2.0/24'], toPorts: [{ ports: [{ port: '0', protocol: 'UDP' }] }] }] })];
    expect(allowsEgress(manifests, pod, { namespace: 'app', labels: {} }, 80, 'TCP')).toBe(false);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 5353, 'UDP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 5353, 'TCP')).toBe(false);
  });

  it('reads toEntities world, cluster and all', () => {
    const world = [cnp({ egress: [{ toEntities: ['world'] }] })];
    const cluster = [cnp({ egress: [{ toEntities: ['cluster'] }] })];
    expect(allowsEgress(world, pod, { ip: '192.0.2.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(world, pod, web, 443, 'TCP')).toBe(false);
    expect(allowsEgress(cluster, pod, web, 443, 'TCP')).toBe(true);
    expect(allowsEgress([cnp({ egress: [{ toEntities: ['all'] }] })], pod, { fqdn: 'example.com' }, 443, 'TCP')).toBe(true);
  });

  it('reads specs lists and clusterwide policies, whose toEndpoints span namespaces', () => {
    const ccnp: Manifest = {
      apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'cw' },
      specs: [{ endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'app' } }, egress: [{ toEndpoints: [{ matchLabels: { app: 'frontend' } }] }] }],
    };
    expect(allowsEgress([ccnp], pod, web, 80, 'TCP')).toBe(true);
    expect(egressGrants([ccnp], { namespace: 'other', labels: {} }).isolated).toBe(false);
  });

  it('unions Cilium and Kubernetes policies', () => {
    const manifests = [cnp({ egress: [dns] }), np({ policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }] })];
    expect(allowsEgress(manifests, pod, kubeDns, 53, 'UDP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '192.0.2.1' }, 443, 'TCP')).toBe(true);
    expect(allowsEgress(manifests, pod, { ip: '198.51.100.1' }, 443, 'TCP')).toBe(false);
  });
});

describe('fqdnPatternMatches', () => {
  it.each([
    ['*', 'anything.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'a.b.example.com', false],
    ['*.example.com', 'example.com', false],
    ['**.example.com', 'a.b.example.com', true],
    ['**.example.com', 'example.com', false],
    ['part*ial.com', 'part-extra-ial.com', true],
    ['api.example.com', 'api.example.com.', true],
    ['api.example.com', 'apixexample.com', false],
  ])('%s against %s is %s', (pattern, name, expected) => {
    expect(fqdnPatternMatches(pattern, name)).toBe(expected);
  });
});
