import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statementMatches } from '../../src/analysis/iam/evaluate';
import type { AgentDefinition, AwsAccess, KubernetesAccess, VaultAccess } from '../../src/definition/types';
import type { KubernetesAtom } from '../../src/usage/kubernetes';
import { formatNarrowingPatch, proposeNarrowing, type UsedRequests } from '../../src/usage/propose';
import type { VaultAtoms } from '../../src/usage/vault';
import { patternMatches, vaultPathPattern } from '../../src/vault/match';

const READ = ['get', 'list', 'watch'];

function k8sAtoms(r: KubernetesAccess): Set<string> {
  const out = new Set<string>();
  for (const v of r.verbs ?? READ) for (const g of r.apiGroups) for (const res of r.resources) for (const ns of r.clusterScoped ? [''] : r.namespaces ?? []) out.add(`${v}|${g}|${res}|${ns}`);
  return out;
}

const atom = (verb: string, apiGroup: string, resource: string, namespace: string, count = 1): KubernetesAtom =>
  ({ verb, apiGroup, resource, namespace, count, lastMs: 0, names: new Set(), overflow: false });

const none: UsedRequests = { kubernetes: [], vault: new Map(), aws: new Map(), awsOverflow: false, read: { kubernetes: true, vault: true, aws: true } };
const def = (observe: AgentDefinition['observe']): AgentDefinition => ({ name: 'bot', namespace: 'agents', observe });

describe('the narrower definition', () => {
  it('narrows a read rule to the resources and verbs used and drops a rule nothing used', () => {
    const d = def({ kubernetes: [
      { apiGroups: [''], resources: ['pods', 'events', 'services'], namespaces: ['shop'] },
      { apiGroups: ['apps'], resources: ['deployments'], namespaces: ['shop'] },
    ] });
    const used = { ...none, kubernetes: [atom('get', '', 'pods', 'shop'), atom('list', '', 'pods', 'shop'), atom('watch', '', 'pods', 'shop'), atom('get', '', 'events', 'shop'), atom('list', '', 'events', 'shop'), atom('watch', '', 'events', 'shop')] };
    const n = proposeNarrowing(d, 1, used);
    expect(n.definition.observe.kubernetes).toEqual([{ apiGroups: [''], resources: ['pods', 'events'], namespaces: ['shop'] }]);
    expect(formatNarrowingPatch(n)).toContain("observe.kubernetes[1]: never used: drop it\n-  { apiGroups: ['apps'], resources: ['deployments'], namespaces: ['shop'] },");
  });

  it('names the Vault paths used instead of a glob, and keeps rules of backends whose log was not read', () => {
    const d = def({ vault: [{ path: 'secret/data/app/*', capabilities: ['read'] }], aws: [{ actions: ['logs:FilterLogEvents'], resources: ['*'] }] });
    const vault = new Map<string, VaultAtoms>([['secret/data/app/*', { paths: new Map([['read\u0000secret/data/app/key', 3]]), overflow: false }]]);
    const n = proposeNarrowing(d, 1, { ...none, vault, read: { kubernetes: true, vault: true, aws: false } });
    expect(n.definition.observe.vault).toEqual([{ path: 'secret/data/app/key', capabilities: ['read'] }]);
    expect(n.definition.observe.aws).toEqual(d.observe.aws);
  });

  it('names the ARNs used instead of *, and keeps * when CloudTrail did not log the resource', () => {
    const d = def({ aws: [{ actions: ['ecs:Describe*'], resources: ['*'] }] });
    const known = proposeNarrowing(d, 1, { ...none, aws: new Map([['ecs:DescribeServices\u0000arn:aws:ecs:r:1:service/shop/a', 2]]) });
    expect(known.definition.observe.aws).toEqual([{ actions: ['ecs:DescribeServices'], resources: ['arn:aws:ecs:r:1:service/shop/a'] }]);
    const unknown = proposeNarrowing(d, 1, { ...none, aws: new Map([['ecs:DescribeServices\u0000', 2]]) });
    expect(unknown.definition.observe.aws).toEqual([{ actions: ['ecs:DescribeServices'], resources: ['*'] }]);
  });

  it('leaves the remediate tier alone in phase 3, where each write runs with its approval', () => {
    const d: AgentDefinition = { ...def({}), remediate: { vault: [{ path: 'secret/data/shop/flags', capabilities: ['read', 'update'] }] } };
    expect(proposeNarrowing(d, 3, none).changes).toEqual([]);
    expect(proposeNarrowing(d, 4, none).changes.map((c) => c.after)).toEqual([[]]);
  });
});

describe('the proposal is never wider than the definition nor than what was used', () => {
  const verb = fc.constantFrom('get', 'list', 'watch');
  const group = fc.constantFrom('', 'apps');
  const resource = fc.constantFrom('pods', 'pods/log', 'deployments', 'events');
  const ns = fc.constantFrom('a', 'b');
  const k8sRule = fc.record({
    apiGroups: fc.uniqueArray(group, { minLength: 1, maxLength: 2 }),
    resources: fc.uniqueArray(resource, { minLength: 1, maxLength: 3 }),
    verbs: fc.option(fc.uniqueArray(verb, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    namespaces: fc.uniqueArray(ns, { minLength: 1, maxLength: 2 }),
  }).map((r) => (r.verbs ? r : { apiGroups: r.apiGroups, resources: r.resources, namespaces: r.namespaces }) as KubernetesAccess);
  const vaultRule = fc.record({ path: fc.constantFrom('s/data/a/*', 's/data/b', 's/data/+/x'), capabilities: fc.uniqueArray(fc.constantFrom('read' as const, 'list' as const, 'update' as const), { minLength: 1, maxLength: 3 }) }) as fc.Arbitrary<VaultAccess>;
  const awsRule = fc.record({ actions: fc.uniqueArray(fc.constantFrom('ecs:Describe*', 'ecs:DescribeServices', 'logs:FilterLogEvents'), { minLength: 1, maxLength: 2 }), resources: fc.uniqueArray(fc.constantFrom('*', 'arn:x:1', 'arn:x:*'), { minLength: 1, maxLength: 2 }) }) as fc.Arbitrary<AwsAccess>;
  const vaultPath = fc.constantFrom('s/data/a/1', 's/data/a/2', 's/data/b', 's/data/q/x');
  const awsKey = fc.tuple(fc.constantFrom('ecs:DescribeServices', 'ecs:DescribeClusters', 'logs:FilterLogEvents'), fc.constantFrom('arn:x:1', 'arn:x:2', ''));

  it('holds for Kubernetes, Vault and IAM rules', () => {
    fc.assert(fc.property(
      fc.array(k8sRule, { maxLength: 3 }), fc.array(fc.tuple(verb, group, resource, fc.constantFrom('a', 'b', '')), { maxLength: 12 }),
      fc.array(vaultRule, { maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom('read', 'list', 'update'), vaultPath), { maxLength: 8 }),
      fc.array(awsRule, { maxLength: 2 }), fc.array(awsKey, { maxLength: 6 }),
      (kubernetes, k8sUsed, vault, vaultUsed, aws, awsUsed) => {
        const vaultAtoms = new Map<string, VaultAtoms>();
        for (const r of vault) {
          const p = vaultPathPattern(r.path);
          const paths = new Map(vaultUsed.filter(([, path]) => patternMatches(p, path)).map(([op, path]) => [`${op}\u0000${path}`, 1] as const));
          vaultAtoms.set(p.path, { paths, overflow: false });
        }
        const used: UsedRequests = { ...none, kubernetes: k8sUsed.map(([v, g, r, n]) => atom(v, g, r, n)), vault: vaultAtoms, aws: new Map(awsUsed.map(([a, r]) => [`${a}\u0000${r}`, 1])) };
        const usedK8s = new Set(k8sUsed.map((t) => t.join('|')));
        const n = proposeNarrowing(def({ kubernetes, vault, aws }), 1, used);
        for (const c of n.changes) {
          for (const after of c.after) {
            if (c.backend === 'kubernetes') {
              const allowed = k8sAtoms(c.before as KubernetesAccess);
              for (const a of k8sAtoms(after as KubernetesAccess)) {
                expect(allowed.has(a)).toBe(true);
                expect(usedK8s.has(a)).toBe(true);
              }
            } else if (c.backend === 'vault') {
              const before = c.before as VaultAccess;
              const a = after as VaultAccess;
              expect(a.path === before.path || patternMatches(vaultPathPattern(before.path), a.path)).toBe(true);
              for (const cap of a.capabilities) {
                expect(before.capabilities).toContain(cap);
                expect(vaultUsed.some(([op, path]) => op === cap && (a.path === before.path ? patternMatches(vaultPathPattern(before.path), path) : path === a.path))).toBe(true);
              }
            } else {
              const before = c.before as AwsAccess;
              const a = after as AwsAccess;
              const stmt = { Effect: 'Allow' as const, Action: [...before.actions], Resource: [...before.resources] };
              for (const action of a.actions) {
                for (const r of a.resources) expect(statementMatches(stmt, { action, resource: r })).toBe(true);
                const narrowed = a.resources.join() !== before.resources.join();
                for (const r of a.resources) expect(awsUsed.some(([x, y]) => x === action && (narrowed ? y === r : true))).toBe(true);
              }
            }
          }
        }
      },
    ), { numRuns: 200 });
  });
});
