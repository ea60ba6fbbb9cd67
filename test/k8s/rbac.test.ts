import { describe, expect, it } from 'vitest';
import { accessOf } from '../../src/analysis/access';
import type { ResourceRequest } from '../../src/analysis/k8s/rbac';
import { kubernetesDangers } from '../../src/definition/dangerous';
import { LABELS } from '../../src/definition/names';
import type { AgentDefinition } from '../../src/definition/types';
import { PHASE_VALUES, type Phase } from '../../src/phase/table';
import { incidentResponder } from '../../examples/incident-responder';
import { can, ofKind, one, synth } from './helpers';

const agent = incidentResponder;
const get = (resource: string, namespace: string, extra: Partial<ResourceRequest> = {}): ResourceRequest =>
  ({ verb: 'get', apiGroup: '', resource, namespace, ...extra });
const patchDeployment = (name: string, namespace = 'shop', subresource?: string): ResourceRequest =>
  ({ verb: 'patch', apiGroup: 'apps', resource: 'deployments', name, namespace, ...(subresource ? { subresource } : {}) });

/** [request, phases in which it is allowed] */
const MATRIX: ReadonlyArray<readonly [string, ResourceRequest, readonly Phase[]]> = [
  ['get pods in shop', get('pods', 'shop'), [1, 2, 3, 4]],
  ['list pods in shop', { ...get('pods', 'shop'), verb: 'list' }, [1, 2, 3, 4]],
  ['get pods/log in shop', get('pods', 'shop', { subresource: 'log', name: 'checkout-1' }), [1, 2, 3, 4]],
  ['watch deployments in shop', { verb: 'watch', apiGroup: 'apps', resource: 'deployments', namespace: 'shop' }, [1, 2, 3, 4]],
  ['list nodes (cluster-scoped read)', { verb: 'list', apiGroup: '', resource: 'nodes' }, [1, 2, 3, 4]],
  ['get pods in payments (not declared)', get('pods', 'payments'), []],
  ['list pods in every namespace', { verb: 'list', apiGroup: '', resource: 'pods', namespace: '' }, []],
  ['list deployments in every namespace', { verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: '' }, []],
  ['patch deployments/checkout in shop', patchDeployment('checkout'), [3, 4]],
  ['patch deployments/cart in shop', patchDeployment('cart'), [3, 4]],
  ['patch deployments/payments in shop (not named)', patchDeployment('payments'), [4]],
  ['patch deployments/checkout in payments', patchDeployment('checkout', 'payments'), []],
  ['patch deployments/checkout/scale in shop', patchDeployment('checkout', 'shop', 'scale'), [3, 4]],
  ['patch deployments/payments/scale in shop (not named)', patchDeployment('payments', 'shop', 'scale'), [4]],
  ['delete pods in shop', { verb: 'delete', apiGroup: '', resource: 'pods', name: 'checkout-7d9f', namespace: 'shop' }, [4]],
  ['update deployments/anything/scale in shop', { ...patchDeployment('anything', 'shop', 'scale'), verb: 'update' }, [4]],
  ['delete deployments/checkout in shop', { ...patchDeployment('checkout'), verb: 'delete' }, []],
  ['create deployments in shop', { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'shop' }, []],
  ['get secrets in shop', get('secrets', 'shop'), []],
  ['get secrets in ops-agents', get('secrets', 'ops-agents'), []],
  ['create pods/exec in shop', { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec', name: 'checkout-1', namespace: 'shop' }, []],
  ['get its phase ConfigMap', get('configmaps', 'ops-agents', { name: 'incident-responder-phase' }), [1, 2, 3, 4]],
  ['update its phase ConfigMap', { ...get('configmaps', 'ops-agents', { name: 'incident-responder-phase' }), verb: 'update' }, []],
  ['get another ConfigMap in its namespace', get('configmaps', 'ops-agents', { name: 'other' }), []],
  ['get the approvals ConfigMap', get('configmaps', 'ops-agents', { name: 'incident-responder-approvals' }), []],
  ['patch the approvals ConfigMap', { ...get('configmaps', 'ops-agents', { name: 'incident-responder-approvals' }), verb: 'patch' }, []],
  ['patch its own Role', { verb: 'patch', apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', name: 'incident-responder', namespace: 'shop' }, []],
  ['delete its NetworkPolicy', { verb: 'delete', apiGroup: 'networking.k8s.io', resource: 'networkpolicies', name: 'incident-responder', namespace: 'ops-agents' }, []],
];

describe('TrustPhasedAgent RBAC (incident-responder)', () => {
  const byPhase = new Map(PHASE_VALUES.map((p) => [p, synth(agent, p)]));

  for (const [title, req, allowed] of MATRIX) {
    for (const phase of PHASE_VALUES) {
      const expected = allowed.includes(phase);
      it(`${expected ? 'can' : 'cannot'} ${title} in phase ${phase}`, () => {
        expect(can(byPhase.get(phase)!, agent, req)).toBe(expected);
      });
    }
  }

  it('grants only get/list/watch in phases 1 and 2', () => {
    for (const phase of [1, 2] as const) {
      const verbs = new Set([...ofKind(byPhase.get(phase)!, 'Role'), ...ofKind(byPhase.get(phase)!, 'ClusterRole')]
        .flatMap((r) => (r['rules'] as Array<{ verbs: string[] }>).flatMap((rule) => rule.verbs)));
      expect([...verbs].sort()).toEqual(['get', 'list', 'watch']);
    }
  });

  it('creates one Role and RoleBinding per namespace: the agent namespace and shop', () => {
    const manifests = byPhase.get(3)!;
    expect(ofKind(manifests, 'Role').map((r) => r.metadata?.namespace).sort()).toEqual(['ops-agents', 'shop']);
    expect(ofKind(manifests, 'RoleBinding').map((r) => r.metadata?.namespace).sort()).toEqual(['ops-agents', 'shop']);
  });

  it('binds the ClusterRole to the agent ServiceAccount only for the cluster-scoped reads', () => {
    const role = one(byPhase.get(4)!, 'ClusterRole');
    expect(role['rules']).toEqual([{ apiGroups: [''], resources: ['nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] }]);
    expect(one(byPhase.get(4)!, 'ClusterRoleBinding')['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'incident-responder', namespace: 'ops-agents' }]);
  });

  it('creates no ClusterRole when no active tier reads cluster-scoped resources', () => {
    const def: AgentDefinition = { ...agent, observe: { ...agent.observe, kubernetes: agent.observe.kubernetes!.slice(0, 3) } };
    expect(ofKind(synth(def, 4), 'ClusterRole')).toEqual([]);
    expect(ofKind(synth(def, 4), 'ClusterRoleBinding')).toEqual([]);
  });

  it('grants a cluster-scoped read only in the phases whose tier declares it', () => {
    const def: AgentDefinition = { ...agent, recommend: { ...agent.recommend, kubernetes: [{ apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], clusterScoped: true }] } };
    const req: ResourceRequest = { verb: 'list', apiGroup: 'storage.k8s.io', resource: 'storageclasses' };
    expect(can(synth(def, 1), def, req)).toBe(false);
    expect(can(synth(def, 2), def, req)).toBe(true);
  });

  it('annotates a Role carrying an acknowledged dangerous rule with the reason', () => {
    const reason = 'checks TLS certificate expiry for the shop ingress';
    const def: AgentDefinition = {
      ...agent,
      observe: { ...agent.observe, kubernetes: [...agent.observe.kubernetes!, { apiGroups: [''], resources: ['secrets'], resourceNames: ['shop-tls'], namespaces: ['shop'], dangerous: { reason } }] },
    };
    const manifests = synth(def, 1);
    const shop = one(manifests, 'Role', 'shop');
    expect(shop.metadata?.annotations?.[LABELS.dangerousReason]).toBe(`observe.kubernetes[4] (secrets): ${reason}`);
    expect(one(manifests, 'Role', 'ops-agents').metadata?.annotations?.[LABELS.dangerousReason]).toBeUndefined();
    expect(can(manifests, def, get('secrets', 'shop', { name: 'shop-tls' }))).toBe(true);
    expect(can(manifests, def, get('secrets', 'shop', { name: 'other' }))).toBe(false);
  });

  it('never renders a dangerous rule for the example agent: its deployment patches are actions admission bounds', () => {
    for (const [phase, manifests] of byPhase) {
      const rules = [...ofKind(manifests, 'Role'), ...ofKind(manifests, 'ClusterRole')].flatMap((r) => r['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>);
      expect(rules.flatMap((r) => kubernetesDangers(r)).filter((d) => d.id !== 'pod-template-write')).toEqual([]);
      const model = accessOf({ manifests: manifests.map((manifest) => ({ manifest, where: 'test' })), stacks: [] }, agent);
      expect(model.kubernetes.dangerous, `phase ${phase}`).toEqual([]);
      expect(model.reach, `phase ${phase}`).toEqual([]);
    }
  });
});
