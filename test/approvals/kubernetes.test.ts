/**
 * Kubernetes approvals as `trust-gate approve` writes them, judged by the REAL synthesized
 * admission policies of the example on a real CEL engine (test/support/vap.ts): the key admits
 * exactly the write it names, the operator's merge patch passes the approvals guard only when
 * run by the approver it names, and an approval of another phase entry admits nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { approveArgv, kubernetesApproval, parseResource, removeArgv, type KubernetesApprovalRequest } from '../../src/approvals/kubernetes';
import { scopeFromDefinition, scopeFromManifests, type ApprovalScope } from '../../src/approvals/scope';
import { kubernetesApprovalKey, parseKubernetesApprovalKey, type KubernetesApprovalRef } from '../../src/definition/approvals';
import { resolveDefinition } from '../../src/definition/validate';
import type { StateFile } from '../../src/state/schema';
import { evaluateAdmission, type AdmissionRequest } from '../support/vap';
import { AGENT, ALICE, EDITOR, SINCE, cluster, configMap, deployment, restarted, scale, update } from '../k8s/admission-fixtures';
import { synth } from '../k8s/helpers';

const state = (since = SINCE): StateFile => ({ agent: 'incident-responder', phase: 3, since });
/** The scope as the CLI reads it from `--dist`: the synthesized output of the example in phase 3. */
const scope: ApprovalScope = scopeFromManifests(synth(incidentResponder, 3, { since: SINCE }), state(), 'dist');

const restart = (over: Partial<KubernetesApprovalRequest> = {}): KubernetesApprovalRequest => ({
  action: 'restart', ...parseResource('apps/deployments'), namespace: 'shop', name: 'checkout', resourceVersion: '100', by: ALICE.username, ...over,
});

/** The approvals ConfigMap after the operator's merge patch (`-p` of the printed command) is applied to `data`. */
function patched(argv: readonly string[], data: Record<string, string> = {}): Record<string, string> {
  const patch = JSON.parse(argv[argv.indexOf('-p') + 1]!) as { data: Record<string, string | null> };
  const out: Record<string, string> = { ...data };
  for (const [k, v] of Object.entries(patch.data)) if (v === null) delete out[k]; else out[k] = v;
  return out;
}

/** The operator's patch as the API server sees it: an UPDATE of the approvals ConfigMap by `user`. */
function approvalsUpdate(user: typeof ALICE, before: Record<string, string>, after: Record<string, string>): AdmissionRequest {
  return {
    operation: 'UPDATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    namespace: 'ops-agents', name: 'incident-responder-approvals', userInfo: user,
    object: configMap('ops-agents', 'incident-responder-approvals', after, '2'), oldObject: configMap('ops-agents', 'incident-responder-approvals', before, '1'),
  };
}

describe('approval keys', () => {
  const dns = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
  const ref: fc.Arbitrary<KubernetesApprovalRef> = fc.record({
    epoch: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')),
    action: fc.stringMatching(/^[a-z][-a-z]{0,12}$/),
    // `core` stands for the core group in keys, so no group is named core.
    apiGroup: fc.oneof(fc.constant(''), fc.array(dns, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')).filter((g) => g !== 'core')),
    resource: fc.stringMatching(/^[a-z]{1,12}$/),
    subresource: fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z]{1,8}$/)),
    namespace: dns,
    name: fc.array(dns, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
    resourceVersion: fc.stringMatching(/^[0-9]{1,19}$/),
  });

  it('round-trip through parseKubernetesApprovalKey', () => {
    fc.assert(fc.property(ref, (r) => {
      expect(parseKubernetesApprovalKey(kubernetesApprovalKey(r))).toEqual(r);
    }));
  });

  it('of trust-gate approve round-trip too, core group included', () => {
    const a = kubernetesApproval(scope, restart());
    expect(parseKubernetesApprovalKey(a.key)).toEqual(a.ref);
    expect(a.key).toBe('20261125T080000Z_restart_apps_deployments_shop_checkout_100');
  });
});

describe('the printed approval, judged by the synthesized admission policies of the example', () => {
  const old = deployment();

  it('admits the one restart it names, and the agent\'s next restart of the new version needs another', () => {
    const a = kubernetesApproval(scope, restart());
    const data = patched(approveArgv(a));
    expect(evaluateAdmission(cluster(incidentResponder, 3, data), update(old, restarted(old))).allowed).toBe(true);
    const after = deployment({ resourceVersion: '101' });
    expect(evaluateAdmission(cluster(incidentResponder, 3, data), update(after, restarted(after))).allowed).toBe(false);
  });

  it('admits the one scale it names through the scale subresource', () => {
    const a = kubernetesApproval(scope, restart({ action: 'scale', ...parseResource('apps/deployments/scale') }));
    expect(a.key).toBe('20261125T080000Z_scale_apps_deployments.scale_shop_checkout_100');
    expect(evaluateAdmission(cluster(incidentResponder, 3, patched(approveArgv(a))), scale('checkout', 3, 5)).allowed).toBe(true);
  });

  it('fails an approval of another phase entry: the key names the old epoch and admits nothing', () => {
    const before = scopeFromDefinition(resolveDefinition(incidentResponder), state('2026-10-01T00:00:00Z'), 'incident-responder.json');
    const stale = kubernetesApproval(before, restart());
    expect(stale.key.startsWith('20261001T000000Z_')).toBe(true);
    const res = evaluateAdmission(cluster(incidentResponder, 3, patched(approveArgv(stale))), update(old, restarted(old)));
    expect(res.allowed).toBe(false);
    expect(res.status?.message).toContain('needs an operator approval');
  });

  it('reads the same scope from the definition as from the synthesized output', () => {
    const fromDefinition = scopeFromDefinition(resolveDefinition(incidentResponder), state(), 'def.json');
    expect({ ...fromDefinition, source: 'dist' }).toEqual(scope);
  });

  it('passes the approvals guard when the approver it names runs it, and only then', () => {
    const a = kubernetesApproval(scope, restart());
    const after = patched(approveArgv(a), { other: 'carol@example.com' });
    expect(after).toMatchObject({ other: 'carol@example.com', [a.key]: ALICE.username });
    const c = cluster(incidentResponder, 3, { other: 'carol@example.com' });
    expect(evaluateAdmission(c, approvalsUpdate(ALICE, { other: 'carol@example.com' }, after)).allowed).toBe(true);
    expect(evaluateAdmission(c, approvalsUpdate(EDITOR, { other: 'carol@example.com' }, after)).allowed).toBe(false);
    expect(evaluateAdmission(c, approvalsUpdate({ ...AGENT, groups: [...AGENT.groups, 'sre-oncall'] }, {}, after)).allowed).toBe(false);
  });

  it('removes entries with a merge patch anyone allowed to patch the ConfigMap may send', () => {
    const a = kubernetesApproval(scope, restart());
    const before = { [a.key]: ALICE.username, keep: 'carol@example.com' };
    const argv = removeArgv({ namespace: 'ops-agents', name: 'incident-responder-approvals' }, [a.key]);
    expect(patched(argv, before)).toEqual({ keep: 'carol@example.com' });
    expect(evaluateAdmission(cluster(incidentResponder, 3, before), approvalsUpdate(EDITOR, before, patched(argv, before))).allowed).toBe(true);
  });
});

describe('what may be approved', () => {
  it('fails an action not declared on the object, naming what is allowed', () => {
    expect(() => kubernetesApproval(scope, restart({ action: 'scale' })))
      .toThrow('action "scale" is not declared on apps/deployments shop/checkout (declared there: restart); approvals can be given for: restart on apps/deployments checkout, cart in shop; scale on apps/deployments/scale checkout, cart in shop');
  });

  it('fails an object the remediate tier does not name', () => {
    expect(() => kubernetesApproval(scope, restart({ name: 'search' }))).toThrow('incident-responder declares no remediate write on apps/deployments shop/search');
    expect(() => kubernetesApproval(scope, restart({ namespace: 'web' }))).toThrow('declares no remediate write on apps/deployments web/checkout');
    expect(() => kubernetesApproval(scope, restart({ ...parseResource('apps/statefulsets') }))).toThrow('declares no remediate write on apps/statefulsets');
  });

  it('fails autonomous-tier actions: phase 3 admits only remediate writes', () => {
    expect(() => kubernetesApproval(scope, restart({ action: 'delete-pod', ...parseResource('core/pods'), name: 'checkout-7d9f' })))
      .toThrow('declares no remediate write on core/pods shop/checkout-7d9f');
  });

  it.each([
    [{ resourceVersion: '' }, /--resource-version "" is not a resourceVersion/],
    [{ resourceVersion: '12a' }, /--resource-version "12a"/],
    [{ by: '<operator>' }, /--by is the placeholder "<operator>"; replace it/],
    [{ by: ' ' }, /--by " " is not a username/],
    [{ namespace: 'Shop' }, /--namespace "Shop" is not a namespace name/],
    [{ name: 'a_b' }, /--name "a_b" is not an object name/],
    [{ action: 'Restart' }, /--action "Restart" is not an action name/],
  ] as const)('fails a bad request %o', (over, message) => {
    expect(() => kubernetesApproval(scope, restart(over))).toThrow(message);
  });

  it.each(['deployments', 'apps/deployments/scale/x', 'Apps/deployments', 'apps/'])('fails --resource %s', (text) => {
    expect(() => parseResource(text)).toThrow(/is not GROUP\/RESOURCE\[\/SUBRESOURCE\]|is not a DNS subdomain/);
  });

  it('reads core as the core group', () => {
    expect(parseResource('core/pods')).toEqual({ apiGroup: '', resource: 'pods', subresource: '' });
    expect(parseResource('apps/deployments/scale')).toEqual({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale' });
  });

  it('prints a kubectl merge patch of one key', () => {
    const argv = approveArgv(kubernetesApproval(scope, restart()));
    expect(argv).toEqual(['kubectl', '-n', 'ops-agents', 'patch', 'configmap', 'incident-responder-approvals', '--type', 'merge', '-p',
      '{"data":{"20261125T080000Z_restart_apps_deployments_shop_checkout_100":"alice@example.com"}}']);
  });
});
