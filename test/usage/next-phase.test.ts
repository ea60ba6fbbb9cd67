import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSynthOutput } from '../../src/analysis/read';
import { fileSource } from '../../src/gate/files';
import { proposeNextPhase } from '../../src/usage/next-phase';
import { readUsage } from '../../src/usage/read';
import { incidentResponder } from '../../examples/incident-responder';

const logs = join(__dirname, '..', '..', 'examples', 'usage');
const agent = { namespace: 'ops-agents', name: 'incident-responder' };

describe('the next phase from the writes approved in phase 3', () => {
  it('proposes restart and scale on the deployments written, not every deployment of the namespace', async () => {
    // GIVEN the example's generated week in phase 3: restarts of checkout (3) and cart (1), one scale of checkout
    const counts = await readUsage(readSynthOutput(join(__dirname, '..', 'fixtures', 'synth', 'phase-3')), agent, [{ kind: 'k8s-audit', source: fileSource(join(logs, 'k8s-audit.jsonl')) }]);
    const next = proposeNextPhase(incidentResponder, 3, counts.kubernetes.writes.values())!;
    expect(next.actions.map((a) => a.objects)).toEqual([
      [{ object: 'shop/cart', writes: 1, lastWrite: '2026-11-20T01:00:00.000Z' }, { object: 'shop/checkout', writes: 3, lastWrite: '2026-11-21T20:00:00.000Z' }],
      [{ object: 'shop/checkout', writes: 1, lastWrite: '2026-11-20T02:00:00.000Z' }],
    ]);
    expect(next.proposedAutonomous).toEqual(['restart apps/deployments "checkout", "cart" in shop', 'scale apps/deployments "checkout" in shop']);
    expect(next.declaredAutonomous).toContain('restart apps/deployments in shop');
    expect(next.undeclared).toBe(0);
  });

  it('proposes nothing in a phase whose writes need no approval', () => {
    expect(proposeNextPhase(incidentResponder, 4, [])).toBeNull();
  });
});
