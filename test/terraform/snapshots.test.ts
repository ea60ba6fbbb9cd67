/**
 * Per-phase snapshot matrix of the synthesized example, for review only: parsed JSON with the
 * Vault policies read back into rules and the IAM documents parsed. Snapshots are written locally
 * once and never in CI (`CI=true`); behaviour is specified by the semantic tests.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { PHASE_VALUES } from '../../src/phase/table';
import { parseVaultPolicy } from '../../src/vault/policy';
import { defaultProps, synth, type TfJson } from './synth';

const JSON_ATTRIBUTES = new Set(['policy', 'assume_role_policy']);

/** The output with every policy string replaced by its parsed form. */
function reviewable(json: TfJson): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(json.resource).map(([type, byId]) => [
      type,
      Object.fromEntries(
        Object.entries(byId).map(([id, config]) => [
          id,
          Object.fromEntries(
            Object.entries(config).map(([k, v]) => {
              if (type === 'vault_policy' && k === 'policy') {
                const text = v as string;
                return [k, { header: text.split('\n').filter((l) => l.startsWith('#')), rules: parseVaultPolicy(text) }];
              }
              return [k, JSON_ATTRIBUTES.has(k) ? JSON.parse(v as string) : v];
            }),
          ),
        ]),
      ),
    ]),
  );
}

describe('snapshot matrix (review aid)', () => {
  it.each(PHASE_VALUES)('phase %i of the example agent, IRSA and Vault approvals by token role', (phase) => {
    expect(reviewable(synth(defaultProps(incidentResponder, phase)))).toMatchSnapshot();
  });

  it('phase 3 with a Vault Enterprise control group', () => {
    const props = { ...defaultProps(incidentResponder, 3), vault: { authBackendPath: 'kubernetes', approvals: 'control-group' as const, controlGroup: { approverGroupNames: ['sre-oncall'] } } };
    expect(reviewable(synth(props))).toMatchSnapshot();
  });

  it('phase 3 with EKS Pod Identity', () => {
    const props = { ...defaultProps(incidentResponder, 3), aws: { trust: { podIdentity: { clusterName: 'prod' } } } };
    expect(reviewable(synth(props))).toMatchSnapshot();
  });
});
