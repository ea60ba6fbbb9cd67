/**
 * The example evidence the README and docs/gate.md show: keeps their output true.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli';

const root = join(__dirname, '../..');
const base = [
  'evaluate', '--state', join(root, 'examples/trust/incident-responder.json'),
  '--evidence', join(root, 'examples/evidence/incident-responder.jsonl'), '--now', '2026-11-25T00:00:00Z',
];

describe('example evidence', () => {
  it('holds incident-responder in phase 2 as inconclusive: 38 incidents and 15 agreed recommendations short of phase 3', async () => {
    const r = await runCli([...base, '--format', 'json', '--detailed-exitcode']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      action: 'hold', holdKind: 'inconclusive', from: 2, to: 2,
      missing: [
        { gate: '2->3 operatorVerdicts', more: 38, text: '38 more incidents with operatorAgreed' },
        { gate: '2->3 agreement', more: 15, text: expect.stringMatching(/^15 more agreed recommendations in a row \(operator agreement \(operatorAgreed\) now 94\.64% \(106\/112\), lower 95% bound 88\.8%, needs > 90%\)$/) },
      ],
      counts: { records: 328, otherAgents: 1, future: 1, duplicates: 1, otherRevisions: 0 },
    });
    expect(out.missing).toHaveLength(2);
  });

  it('demotes it to phase 1 with the audit log of a refused pod deletion', async () => {
    const r = await runCli([...base, '--k8s-audit', join(root, 'examples/evidence/k8s-audit.jsonl'),
      '--k8s-user', 'system:serviceaccount:ops-agents:incident-responder', '--format', 'json', '--detailed-exitcode']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'demote', to: 1, hold: { violationAt: '2026-11-21T03:12:14.400Z' } });
  });
});
