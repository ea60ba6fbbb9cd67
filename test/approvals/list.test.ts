import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { approvalsConfigMapOf, approvalsReport, formatApprovalsText, hasDeadEntries } from '../../src/approvals/list';
import { scopeFromManifests } from '../../src/approvals/scope';
import { synth } from '../k8s/helpers';
import { SINCE } from '../k8s/admission-fixtures';

const scope = scopeFromManifests(synth(incidentResponder, 3, { since: SINCE }), { agent: 'incident-responder', phase: 3, since: SINCE }, 'dist');
const CURRENT = '20261125T080000Z_restart_apps_deployments_shop_checkout_100';
const STALE = '20261001T000000Z_restart_apps_deployments_shop_checkout_90';
const UNDECLARED = '20261125T080000Z_restart_apps_deployments_shop_search_7';
const MALFORMED = 'shop.deployments.checkout';
const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'incident-responder-approvals', namespace: 'ops-agents' }, data });

describe('the approvals listing', () => {
  const data = { [CURRENT]: 'alice@example.com', [STALE]: 'bob@example.com', [UNDECLARED]: 'alice@example.com', [MALFORMED]: 'UPDATE' };

  it('gives every entry its status', () => {
    const report = approvalsReport(scope, approvalsConfigMapOf(cm(data), 'incident-responder', 'cm.yaml'), true);
    expect(Object.fromEntries(report.entries.map((e) => [e.key, e.status]))).toEqual({ [CURRENT]: 'current', [STALE]: 'stale', [UNDECLARED]: 'undeclared', [MALFORMED]: 'malformed' });
    expect(report.entries.find((e) => e.key === STALE)?.why).toContain('epoch 20261001T000000Z is not the current phase entry\'s (20261125T080000Z)');
  });

  it('removes exactly the entries that admit nothing', () => {
    const report = approvalsReport(scope, approvalsConfigMapOf(cm(data), 'incident-responder', 'cm.yaml'), true);
    expect(hasDeadEntries(report)).toBe(true);
    expect(report.remove).toEqual(['kubectl', '-n', 'ops-agents', 'patch', 'configmap', 'incident-responder-approvals', '--type', 'merge', '-p',
      JSON.stringify({ data: { [STALE]: null, [UNDECLARED]: null, [MALFORMED]: null } })]);
    const text = formatApprovalsText(report);
    expect(text).toContain(`3 entries admit nothing; remove them with:\n  kubectl -n ops-agents patch configmap incident-responder-approvals --type merge -p '{"data":{"${STALE}":null,`);
  });

  it('without declared writes, skips the undeclared check and says so', () => {
    const report = approvalsReport({ ...scope, writes: [] }, approvalsConfigMapOf(cm({ [UNDECLARED]: 'a' }), 'incident-responder', 'cm.yaml'), false);
    expect(report.entries[0]?.status).toBe('current');
    expect(hasDeadEntries(report)).toBe(false);
    expect(formatApprovalsText(report)).toContain('Declared writes were not checked');
  });

  it('reads an empty ConfigMap (rendered without data)', () => {
    const { data: _d, ...bare } = cm({});
    const report = approvalsReport(scope, approvalsConfigMapOf(bare, 'incident-responder', 'cm.yaml'), true);
    expect(report.entries).toEqual([]);
    expect(formatApprovalsText(report)).toContain('No entry to remove.');
  });

  it.each([
    [{ kind: 'Secret' }, 'is not a ConfigMap'],
    [{ ...cm({}), metadata: { name: 'other', namespace: 'ops-agents' } }, 'is ConfigMap "other", not incident-responder-approvals'],
    [{ ...cm({}), metadata: { name: 'incident-responder-approvals' } }, 'metadata.namespace is missing'],
    [cm({ a: 1 as unknown as string }), 'data is not a map of strings'],
  ])('fails %o', (object, message) => {
    expect(() => approvalsConfigMapOf(object, 'incident-responder', 'cm.yaml')).toThrow(`cm.yaml: ${message}`);
  });
});
