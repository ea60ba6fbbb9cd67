/**
 * Per-phase snapshot matrix of the example agent, for review: a promotion's diff reads as the
 * difference between two neighbouring snapshots. Behaviour is specified by the semantic tests.
 */
import { describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types';
import type { NetworkPolicyFlavour } from '../../src/k8s';
import { PHASE_VALUES } from '../../src/phase/table';
import { incidentResponder } from '../../examples/incident-responder';
import { identity, synth } from './helpers';

const withFqdnWebhook: AgentDefinition = {
  ...incidentResponder,
  recommend: { egress: [{ name: 'chat-webhook', to: { fqdn: 'hooks.chat.example.com' }, ports: [{ port: 443 }] }] },
};

const MATRIX: ReadonlyArray<readonly [NetworkPolicyFlavour, AgentDefinition]> = [
  ['kubernetes', incidentResponder],
  ['cilium', withFqdnWebhook],
];

describe('incident-responder snapshot matrix', () => {
  for (const [flavour, def] of MATRIX) {
    for (const phase of PHASE_VALUES) {
      it(`matches the ${flavour} snapshot in phase ${phase}`, () => {
        const manifests = synth(def, phase, { networkPolicy: flavour });
        expect(Object.fromEntries(manifests.map((m) => [identity(m), m]))).toMatchSnapshot();
      });
    }
  }
});
