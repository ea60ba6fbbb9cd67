import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { synth } from '../k8s/helpers';
import { assertValidManifests, isKnownKind, propertiesAt, propertiesOf, validateManifest, type Manifest } from './openapi';

const deployment = (spec: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '500m' } } }] },
    },
    ...spec,
  },
});

const cnp = (egress: unknown[]): Manifest => ({
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: 'agent-egress', namespace: 'ops-agents' },
  spec: { endpointSelector: { matchLabels: { app: 'agent' } }, egress },
});

describe('validateManifest', () => {
  it('passes a valid Deployment', () => {
    expect(validateManifest(deployment())).toEqual([]);
  });

  it('fails a Deployment with a wrong type, naming the path', () => {
    expect(validateManifest(deployment({ replicas: 'two' }))).toEqual(['Deployment web: spec.replicas: must be integer']);
  });

  it('fails a container without its required name, naming the list index', () => {
    const errors = validateManifest(deployment({ template: { spec: { containers: [{ image: 'nginx' }] } } }));
    expect(errors).toEqual(['Deployment web: spec.template.spec.containers[0]: missing required field "name"']);
  });

  it('fails a value outside an enum', () => {
    const errors = validateManifest(deployment({ template: { spec: { containers: [{ name: 'c', imagePullPolicy: 'Sometimes' }] } } }));
    expect(errors).toEqual(['Deployment web: spec.template.spec.containers[0].imagePullPolicy: must be one of ["Always","IfNotPresent","Never"]']);
  });

  it('fails an undeclared field under Strict and lets it through under Ignore', () => {
    const typo = deployment({ replicass: 3 });
    expect(validateManifest(typo)).toEqual(['Deployment web: spec.replicass: unknown field (not declared in the schema)']);
    expect(validateManifest(typo, { unknownFields: 'Ignore' })).toEqual([]);
  });

  it('accepts any key in a map-typed field', () => {
    expect(validateManifest(deployment({ template: { metadata: { annotations: { 'anything/goes': 'x' } }, spec: { containers: [{ name: 'c' }] } } }))).toEqual([]);
  });

  it('validates a CiliumNetworkPolicy', () => {
    const valid = cnp([
      { toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] },
      { toFQDNs: [{ matchName: 'api.github.com' }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
    ]);
    expect(validateManifest(valid)).toEqual([]);
  });

  it('fails a CiliumNetworkPolicy with a bad protocol and an unknown rule field', () => {
    const errors = validateManifest(cnp([{ toPorts: [{ ports: [{ port: '443', protocol: 'QUIC' }] }], toFQDN: [] }]));
    expect(errors).toContain('CiliumNetworkPolicy agent-egress: spec.egress[0].toFQDN: unknown field (not declared in the schema)');
    expect(errors.some((e) => e.startsWith('CiliumNetworkPolicy agent-egress: spec.egress[0].toPorts[0].ports[0].protocol: must be one of'))).toBe(true);
  });

  it('validates a CiliumClusterwideNetworkPolicy', () => {
    const ccnp = { ...cnp([{ toEntities: ['kube-apiserver'] }]), kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'agents' } };
    expect(validateManifest(ccnp)).toEqual([]);
  });

  it('fails an unknown kind instead of passing it', () => {
    expect(validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget w: unknown apiVersion/kind example.com/v1/Widget: no schema in kubernetes-models or @kubernetes-models/cilium',
    ]);
    expect(isKnownKind('v1', 'ConfigMap')).toBe(true);
  });

  it('fails a manifest without apiVersion or kind', () => {
    expect(validateManifest({ metadata: { name: 'x' } })).toEqual(['(no kind) x: apiVersion and kind are required']);
  });
});

describe('assertValidManifests', () => {
  it.each([1, 2, 3, 4] as const)('passes the manifests the incident-responder example synthesizes in phase %i', (phase) => {
    expect(() => assertValidManifests(synth(incidentResponder, phase) as unknown as Manifest[])).not.toThrow();
  });

  it('fails with every error of every manifest', () => {
    expect(() => assertValidManifests([deployment({ replicas: 'two' }), { apiVersion: 'v1', kind: 'Nope' }])).toThrow(
      /2 schema error\(s\):\nDeployment web: spec.replicas: must be integer\nNope \(no name\): unknown apiVersion\/kind v1\/Nope/,
    );
  });
});

describe('property lists', () => {
  it('lists the properties of io.k8s.api.core.v1.Container', () => {
    const props = propertiesOf('io.k8s.api.core.v1.Container');
    expect(props).toEqual(expect.arrayContaining(['name', 'image', 'command', 'args', 'env', 'securityContext', 'resources', 'volumeMounts']));
    expect(props).not.toContain('containers');
  });

  it('finds the same list through a kind and a path', () => {
    expect(propertiesAt('apps/v1', 'Deployment', 'spec.template.spec.containers[]')).toEqual(propertiesOf('io.k8s.api.core.v1.Container'));
    expect(propertiesAt('v1', 'ConfigMap')).toEqual(['apiVersion', 'binaryData', 'data', 'immutable', 'kind', 'metadata']);
  });

  it('includes the members an interface inherits (Cilium EgressRule extends EgressCommonRule)', () => {
    expect(propertiesAt('cilium.io/v2', 'CiliumNetworkPolicy', 'spec.egress[]')).toEqual(expect.arrayContaining(['toEndpoints', 'toFQDNs', 'toPorts', 'toCIDR']));
  });

  it('fails a path the schema does not have', () => {
    expect(() => propertiesAt('apps/v1', 'Deployment', 'spec.nope')).toThrow("apps/v1/Deployment has no field 'nope' at 'spec.nope'");
    expect(() => propertiesOf('io.k8s.api.core.v1.Nope')).toThrow('definition io.k8s.api.core.v1.Nope is not an object');
  });
});
