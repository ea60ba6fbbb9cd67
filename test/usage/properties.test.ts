import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textSource } from '../../src/gate/source';
import { readUsage } from '../../src/usage/read';
import type { UsageReport } from '../../src/usage/model';
import { irsaRole, output, rbac, serviceAccount, vaultRole } from './helpers';

const sa = { namespace: 'agents', name: 'bot' };
const username = 'system:serviceaccount:agents:bot';
const RUNS = { numRuns: 60 };

/** Every grant is either used or unused, never both, never missing. */
function partition(b: UsageReport['kubernetes']): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const g of b.used) out.set(`${g.via}|${g.grant}`, true);
  for (const g of b.unused) {
    expect(out.has(`${g.via}|${g.grant}`)).toBe(false);
    out.set(`${g.via}|${g.grant}`, false);
  }
  return out;
}

// Kubernetes: rules with resourceNames and subresources, bound by RoleBinding (Role or ClusterRole) or ClusterRoleBinding.
const group = fc.constantFrom('', 'apps');
const resource = fc.constantFrom('pods', 'pods/log', 'deployments', 'deployments/scale', 'nodes');
const verb = fc.constantFrom('get', 'list', 'patch');
const ns = fc.constantFrom('a', 'b');
const name = fc.constantFrom('x', 'y', 'z');
const rule = fc.record({
  apiGroups: fc.uniqueArray(group, { minLength: 1, maxLength: 2 }),
  resources: fc.uniqueArray(resource, { minLength: 1, maxLength: 3 }),
  verbs: fc.uniqueArray(verb, { minLength: 1, maxLength: 2 }),
  resourceNames: fc.option(fc.uniqueArray(name, { minLength: 1, maxLength: 2 }), { nil: undefined }),
});
const binding = fc.record({ kind: fc.constantFrom('Role', 'ClusterRole-in-namespace', 'ClusterRoleBinding'), namespace: ns, rules: fc.array(rule, { minLength: 1, maxLength: 3 }) });
const k8sRequest = fc.record({ verb, group, resource, namespace: fc.constantFrom('a', 'b', ''), name: fc.option(name, { nil: undefined }), denied: fc.boolean() });

function ruleOracle(r: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }, q: { verb: string; group: string; resource: string; name?: string }): boolean {
  return r.verbs.includes(q.verb) && r.apiGroups.includes(q.group) && r.resources.includes(q.resource) && (r.resourceNames === undefined || (q.name !== undefined && r.resourceNames.includes(q.name)));
}

function auditLine(q: { verb: string; group: string; resource: string; namespace: string; name?: string; denied: boolean }, i: number): string {
  const [res, sub] = q.resource.split('/');
  return JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: `id-${i}`, stage: 'ResponseComplete', stageTimestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    verb: q.verb, user: { username },
    objectRef: { resource: res, ...(sub ? { subresource: sub } : {}), ...(q.group ? { apiGroup: q.group } : {}), ...(q.namespace ? { namespace: q.namespace } : {}), ...(q.name ? { name: q.name } : {}) },
    annotations: { 'authorization.k8s.io/decision': q.denied ? 'forbid' : 'allow' },
  });
}

describe('a used grant is never reported unused and a never-used one always is', () => {
  it('holds for RBAC rules, resourceNames, subresources and ClusterRoles bound by RoleBindings', async () => {
    await fc.assert(fc.asyncProperty(fc.array(binding, { minLength: 1, maxLength: 3 }), fc.array(k8sRequest, { maxLength: 15 }), async (bindings, requests) => {
      const manifests = [serviceAccount(sa.namespace, sa.name)];
      bindings.forEach((b, i) => {
        const roleName = `r${i}`;
        if (b.kind === 'Role') manifests.push(rbac.role(b.namespace, roleName, b.rules), rbac.roleBinding(b.namespace, `b${i}`, 'Role', roleName, sa));
        else if (b.kind === 'ClusterRole-in-namespace') manifests.push(rbac.clusterRole(roleName, b.rules), rbac.roleBinding(b.namespace, `b${i}`, 'ClusterRole', roleName, sa));
        else manifests.push(rbac.clusterRole(roleName, b.rules), rbac.clusterRoleBinding(`b${i}`, roleName, sa));
      });
      const log = requests.map(auditLine).join('\n');
      const { report } = await readUsage(output(manifests), sa, [{ kind: 'k8s-audit', source: textSource('audit.log', log) }]);
      const reported = partition(report.kubernetes);
      bindings.forEach((b, i) => b.rules.forEach((r, j) => {
        const scope = b.kind === 'ClusterRoleBinding' ? '' : b.namespace;
        const used = requests.some((q) => !q.denied && (scope === '' || q.namespace === scope) && ruleOracle(r, q));
        const key = [...reported.keys()].filter((k) => k.startsWith(`${b.kind === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding'} ${scope ? `${scope}/` : ''}b${i} → `) && k.includes(`, rule ${j + 1}|`));
        expect(key).toHaveLength(1);
        expect(reported.get(key[0]!)).toBe(used);
      }));
      expect(report.kubernetes.allowed).toBe(requests.filter((q) => !q.denied).length);
    }), RUNS);
  });

  it('holds for Vault policies, where the most specific path rule alone decides', async () => {
    const path = fc.constantFrom('secret/data/a', 'secret/data/a/b', 'secret/data/ab', 'secret/data/c');
    const pattern = fc.constantFrom('secret/data/a', 'secret/data/a*', 'secret/data/a/*', 'secret/data/*', 'secret/data/c');
    const cap = fc.constantFrom('read', 'update', 'list');
    const ruleArb = fc.record({ path: pattern, capabilities: fc.uniqueArray(cap, { minLength: 1, maxLength: 2 }) });
    await fc.assert(fc.asyncProperty(fc.uniqueArray(ruleArb, { minLength: 1, maxLength: 4, selector: (r) => r.path }), fc.array(fc.record({ path, op: cap }), { maxLength: 10 }), async (rules, requests) => {
      const hcl = rules.map((r) => `path "${r.path}" {\n  capabilities = [${r.capabilities.map((c) => `"${c}"`).join(', ')}]\n}`).join('\n');
      const out = output([serviceAccount(sa.namespace, sa.name)], vaultRole(sa.namespace, sa.name, hcl));
      const log = requests.map((q, i) => JSON.stringify({ time: '2026-01-01T00:00:00Z', type: 'response', auth: { metadata: { role: sa.name } }, request: { id: `v${i}`, operation: q.op, path: q.path } })).join('\n');
      const { report } = await readUsage(out, sa, [{ kind: 'vault-audit', source: textSource('vault.log', log) }]);
      // Oracle: the exact rule, else the longest glob prefix; the request uses it when it has the capability.
      const chosen = (p: string) => rules.find((r) => r.path === p) ?? rules.filter((r) => r.path.endsWith('*') && p.startsWith(r.path.slice(0, -1))).sort((a, b) => b.path.length - a.path.length)[0];
      const usedPaths = new Set(requests.flatMap((q) => { const r = chosen(q.path); return r && r.capabilities.includes(q.op) ? [r.path] : []; }));
      const reported = partition(report.vault);
      for (const r of rules) {
        const key = [...reported.keys()].filter((k) => k.split('|')[1]!.startsWith(`${r.path}: `));
        expect(key).toHaveLength(1);
        expect(reported.get(key[0]!)).toBe(usedPaths.has(r.path));
      }
    }), RUNS);
  });

  it('holds for IAM statements with action wildcards and resource patterns', async () => {
    const action = fc.constantFrom('ecs:DescribeServices', 'ecs:UpdateService', 'logs:FilterLogEvents', 'logs:GetLogEvents');
    const actionPattern = fc.constantFrom('ecs:Describe*', 'ecs:UpdateService', 'logs:*LogEvents', 'logs:Get*', 'ecs:*Service*');
    const arn = fc.constantFrom('arn:aws:ecs:r:1:service/shop/a', 'arn:aws:ecs:r:1:service/shop/b', 'arn:aws:logs:r:1:log-group:/shop/x');
    const resourcePattern = fc.constantFrom('*', 'arn:aws:ecs:r:1:service/shop/*', 'arn:aws:ecs:r:1:service/shop/a', 'arn:aws:logs:r:1:log-group:/shop/*');
    const statement = fc.record({ actions: fc.uniqueArray(actionPattern, { minLength: 1, maxLength: 2 }), resources: fc.uniqueArray(resourcePattern, { minLength: 1, maxLength: 2 }) });
    const glob = (p: string, v: string, ci = false) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`, ci ? 'i' : '').test(v);
    await fc.assert(fc.asyncProperty(fc.array(statement, { minLength: 1, maxLength: 3 }), fc.array(fc.record({ action, arn }), { maxLength: 10 }), async (statements, calls) => {
      const role = irsaRole('bot', username, statements.map((s, i) => ({ Sid: `S${i}`, Effect: 'Allow', Action: s.actions, Resource: s.resources })));
      const out = output([serviceAccount(sa.namespace, sa.name)], [role]);
      const log = calls.map((c, i) => JSON.stringify({
        eventID: `e${i}`, eventTime: '2026-01-01T00:00:00Z', eventSource: `${c.action.split(':')[0]}.amazonaws.com`, eventName: c.action.split(':')[1],
        userIdentity: { sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::1:role/bot' } } }, resources: [{ ARN: c.arn }],
      })).join('\n');
      const { report } = await readUsage(out, sa, [{ kind: 'cloudtrail', source: textSource('trail.jsonl', log), roleArn: 'arn:aws:iam::1:role/bot' }]);
      const reported = partition(report.aws);
      statements.forEach((s, i) => {
        const used = calls.some((c) => s.actions.some((a) => glob(a, c.action, true)) && s.resources.some((r) => glob(r, c.arn)));
        const key = [...reported.keys()].filter((k) => k.includes(`statement S${i}|`));
        expect(key).toHaveLength(1);
        expect(reported.get(key[0]!)).toBe(used);
      });
    }), RUNS);
  });
});
