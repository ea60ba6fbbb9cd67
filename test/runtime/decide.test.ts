import { describe, expect, it } from 'vitest';
import { decideAction, mustEscalate, parsePhaseConfig, type ApprovalTarget } from '../../src/runtime';
import { synthesizedPhaseConfig } from './support';

const config = (phase: 1 | 2 | 3 | 4) => parsePhaseConfig(synthesizedPhaseConfig(phase));
const restart: ApprovalTarget = { backend: 'kubernetes', action: 'restart', group: 'apps', resource: 'deployments', namespace: 'shop', name: 'checkout', resourceVersion: '48213' };

describe('decideAction', () => {
  it.each<[1 | 2 | 3 | 4, string, boolean, boolean]>([
    [1, 'log', false, false],
    [2, 'recommend', false, true],
    [3, 'request-approval', false, true],
    [4, 'act', true, false],
  ])('in phase %i a confident action is "%s" (may act %s, to a human %s)', (phase, kind, mayAct, sendToHuman) => {
    const d = decideAction(config(phase), { confidence: 0.95, target: restart });
    expect(d).toMatchObject({ kind, mayAct, sendToHuman, approvalRequired: kind === 'request-approval' });
    expect(d.reason).toContain(`phase ${phase}`);
  });

  it('escalates in phase 4 below the threshold, and when the confidence is unknown', () => {
    expect(decideAction(config(4), { confidence: 0.79 })).toMatchObject({ kind: 'escalate', mayAct: false, sendToHuman: true });
    expect(decideAction(config(4), { confidence: 0.8 }).kind).toBe('act');
    expect(decideAction(config(4)).kind).toBe('escalate');
    expect(decideAction(config(4), { confidence: 0.5 }).reason).toBe('confidence 0.5 is below the phase 4 (Autonomous) escalation threshold 0.8; a human decides');
  });

  it('never escalates where the phase has no threshold', () => {
    for (const phase of [1, 2, 3] as const) expect(mustEscalate(config(phase), 0)).toBe(false);
  });

  it('answers from the mounted data, not from the library\'s phase table', () => {
    const custom = parsePhaseConfig({ ...synthesizedPhaseConfig(4), escalationConfidence: '0.95' });
    expect(decideAction(custom, { confidence: 0.9 }).kind).toBe('escalate');
    const noSink = parsePhaseConfig({ ...synthesizedPhaseConfig(2), outputSinkEnabled: 'false' });
    expect(decideAction(noSink).kind).toBe('log');
  });

  it('gives the operator the exact trust-gate approve command in phase 3', () => {
    expect(decideAction(config(3), { target: restart }, { stateFile: 'examples/trust/incident-responder.json' }).approvalCommand).toBe(
      "trust-gate approve kubernetes --agent incident-responder --state examples/trust/incident-responder.json --action restart --resource apps/deployments --namespace shop --name checkout --resource-version 48213 --by '<operator>'",
    );
    expect(decideAction(config(3)).approvalCommand).toBeUndefined();
    expect(decideAction(config(4), { confidence: 1, target: restart }).approvalCommand).toBeUndefined();
  });
});
