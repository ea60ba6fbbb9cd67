/**
 * `trust-gate usage` read as an attacker would feed it: a hostile or confused audit log must not
 * make a grant look used, nor widen the autonomous tier proposed from phase 3's approved writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { readSynthOutput } from '../../src/analysis/read';
import { fileSource } from '../../src/gate/files';
import { textSource } from '../../src/gate/source';
import { proposeNextPhase } from '../../src/usage/next-phase';
import { readUsage } from '../../src/usage/read';
import { tempDir } from '../support/cli';

const phase3 = readSynthOutput(join(__dirname, '..', 'fixtures', 'synth', 'phase-3'));
const agent = { namespace: 'ops-agents', name: 'incident-responder' };
const AGENT_USER = 'system:serviceaccount:ops-agents:incident-responder';

/** One audit event of `user`; a patch of deployment shop/`name` admitted (200) unless changed. */
function event(id: string, change: Record<string, unknown> = {}, name = 'checkout', user = AGENT_USER): string {
  return JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete',
    requestURI: `/apis/apps/v1/namespaces/shop/deployments/${name}`, verb: 'patch', user: { username: user, groups: ['system:serviceaccounts', 'system:authenticated'] },
    objectRef: { apiVersion: 'v1', apiGroup: 'apps', resource: 'deployments', namespace: 'shop', name },
    responseStatus: { metadata: {}, code: 200 }, stageTimestamp: '2026-11-20T10:00:00.000Z', annotations: { 'authorization.k8s.io/decision': 'allow' },
    ...change,
  });
}

async function usageOf(lines: readonly string[]) {
  return readUsage(phase3, agent, [{ kind: 'k8s-audit', source: textSource('hostile.jsonl', `${lines.join('\n')}\n`) }]);
}

const patchGrant = (report: Awaited<ReturnType<typeof usageOf>>['report']) =>
  [...report.kubernetes.used, ...report.kubernetes.unused].find((g) => g.grant.startsWith('get, patch apps/deployments'))!;

describe('usage under a hostile audit log', () => {
  it('never counts a denied request, another identity\'s request or an admission-rejected write as used or approved', async () => {
    const counts = await usageOf([
      event('denied', { responseStatus: { code: 403, reason: 'Forbidden' }, annotations: { 'authorization.k8s.io/decision': 'forbid' } }),
      event('other-sa', {}, 'checkout', 'system:serviceaccount:ops-agents:payments-bot'),
      event('human', {}, 'checkout', 'alice'),
      event('rejected', { responseStatus: { code: 403, reason: 'Forbidden', message: 'admission webhook denied the request' } }, 'cart'),
      event('invalid', { responseStatus: { code: 422, reason: 'Invalid' } }, 'cart'),
    ]);
    // RBAC allowed the two writes admission rejected, so the grant counts them; no write was admitted
    expect(patchGrant(counts.report).count).toBe(2);
    expect(patchGrant(counts.report).parts).toEqual([expect.objectContaining({ part: 'patch apps/deployments in shop', count: 2 })]);
    expect(counts.report.kubernetes.denied).toBe(1);
    expect(counts.kubernetes.writes.size).toBe(0);
    const next = proposeNextPhase(incidentResponder, 3, counts.kubernetes.writes.values())!;
    expect(next.proposedAutonomous).toEqual([]);
    expect(next.undeclared).toBe(0);
  });

  it('counts one request delivered many times once (each audit stage, a replayed log)', async () => {
    const counts = await usageOf(Array.from({ length: 5_000 }, () => event('same-id')));
    expect(patchGrant(counts.report).count).toBe(1);
    const next = proposeNextPhase(incidentResponder, 3, counts.kubernetes.writes.values())!;
    expect(next.actions.flatMap((a) => a.objects.map((o) => [o.object, o.writes]))).toEqual([['shop/checkout', 1]]);
  });

  it('never proposes an object the definition does not declare, however often it was written', async () => {
    const counts = await usageOf(Array.from({ length: 50 }, (_, i) => event(`payments-${i}`, {}, 'payments')));
    const next = proposeNextPhase(incidentResponder, 3, counts.kubernetes.writes.values())!;
    expect(next.proposedAutonomous).toEqual([]);
    // no grant of the output allows them: unexplained (another binding allowed them), never a proposal
    expect(counts.report.kubernetes.unexplained).toEqual([expect.objectContaining({ part: 'patch apps/deployments in shop', count: 50 })]);
    expect(counts.kubernetes.writes.size).toBe(0);
  });

  it('fails naming FILE:LINE on a deeply nested or non-UTF-8 record instead of counting it', async () => {
    const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    await expect(usageOf([event('ok'), nested])).rejects.toThrow(/^hostile\.jsonl:2: /);
    // an id whose byte 0xff would decode to U+FFFD and merge with another
    const bad = Buffer.from(event('bad~'), 'utf8');
    bad[bad.indexOf('bad~') + 3] = 0xff;
    const bytes = Buffer.concat([Buffer.from(`${event('ok')}\n`), bad]);
    const file = join(tempDir('gt-usage-'), 'hostile.jsonl');
    writeFileSync(file, bytes);
    await expect(readUsage(phase3, agent, [{ kind: 'k8s-audit', source: fileSource(file) }])).rejects.toThrow(/hostile\.jsonl:2: .*UTF-8/);
  });
});
