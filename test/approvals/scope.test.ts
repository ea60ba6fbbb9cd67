import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { approvalPhases, requireApprovalPhase, scopeFromManifests } from '../../src/approvals/scope';
import type { AgentDefinition } from '../../src/definition/types';
import { PHASES, PHASE_VALUES, phaseLabel } from '../../src/phase/table';
import { synth } from '../k8s/helpers';
import { SINCE } from '../k8s/admission-fixtures';

const state = (phase: 1 | 2 | 3 | 4, since = SINCE) => ({ agent: 'incident-responder', phase, since });

describe('the phase check', () => {
  it('lets through exactly the phases whose writes need approvals, and names the phase otherwise', () => {
    expect(approvalPhases()).toEqual(PHASE_VALUES.filter((p) => PHASES[p].writeAdmission === 'approval'));
    for (const phase of PHASE_VALUES) {
      const check = () => requireApprovalPhase(state(phase), 'incident-responder', 'trust/ir.json');
      if (PHASES[phase].writeAdmission === 'approval') expect(check).not.toThrow();
      else expect(check).toThrow(`trust/ir.json: incident-responder is in ${phaseLabel(phase)}, where`);
    }
  });

  it('fails the state file of another agent', () => {
    expect(() => requireApprovalPhase(state(3), 'cart-bot', 'trust/ir.json')).toThrow('is the state file of agent "incident-responder", not "cart-bot"');
  });
});

describe('the scope read from a synthesized output', () => {
  it('fails an output synthesized for another phase entry, naming both epochs', () => {
    const manifests = synth(incidentResponder, 3, { since: '2026-10-01T00:00:00Z' });
    expect(() => scopeFromManifests(manifests, state(3), 'dist'))
      .toThrow('dist: was synthesized for phase 3 (Limited Remediation) entered at epoch 20261001T000000Z, but the state file says phase 3 (Limited Remediation) since 2026-11-25T08:00:00Z (epoch 20261125T080000Z)');
  });

  it('fails an output without the agent', () => {
    expect(() => scopeFromManifests([], state(3), 'dist')).toThrow('dist: holds no admission policy incident-responder.graduated-trust.dev of agent incident-responder');
  });

  it('fails an agent without remediate Kubernetes writes: nothing to approve there', () => {
    const { remediate: _r, ...rest } = incidentResponder;
    const def: AgentDefinition = { ...rest, remediate: { vault: incidentResponder.remediate!.vault! } };
    expect(() => scopeFromManifests(synth(def, 3, { since: SINCE }), state(3), 'dist')).toThrow('holds no approval policy incident-responder-approved.graduated-trust.dev');
  });

  it('fails a hand-edited approval policy', () => {
    const manifests = synth(incidentResponder, 3, { since: SINCE });
    const approved = manifests.find((m) => m.metadata?.name === 'incident-responder-approved.graduated-trust.dev' && m.kind === 'ValidatingAdmissionPolicy')!;
    (approved['spec'] as { validations: { expression: string }[] }).validations[0]!.expression = 'true';
    expect(() => scopeFromManifests(manifests, state(3), 'dist')).toThrow('is not what TrustPhasedAgent renders');
  });
});
