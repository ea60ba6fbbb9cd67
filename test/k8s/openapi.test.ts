/**
 * Every object TrustPhasedAgent synthesizes is valid against the Kubernetes OpenAPI schemas
 * (kubernetes-models, and the Cilium CRD models for CiliumNetworkPolicy): a random definition in
 * any phase and either network flavour, and the example with every kind of action.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { PHASE_VALUES } from '../../src/phase/table';
import { validDefinition } from '../support/arbitraries';
import { assertValidManifests, validateManifest, type Manifest } from '../support/openapi';
import { WITH_ACTIONS } from './admission-fixtures';
import { synth } from './helpers';

const FLAVOURS = [{}, { networkPolicy: 'cilium' as const }];


describe('synthesized manifests against the Kubernetes OpenAPI schemas', () => {
  it.each(PHASE_VALUES)('passes the example with every action kind in phase %i, both network flavours', (phase) => {
    for (const options of FLAVOURS) {
      const manifests = synth(WITH_ACTIONS, phase, options) as unknown as Manifest[];
      expect(manifests.map((m) => m.kind)).toContain('ValidatingAdmissionPolicy');
      expect(() => assertValidManifests(manifests)).not.toThrow();
    }
  });

  it('passes every random valid definition in every phase and flavour', () => {
    let checked = 0;
    fc.assert(
      fc.property(validDefinition(), fc.constantFrom(...PHASE_VALUES), fc.constantFrom(...FLAVOURS), (def, phase, flavour) => {
        // FQDN destinations need the Cilium flavour.
        const fqdn = JSON.stringify(def).includes('"fqdn"');
        const manifests = synth(def, phase, fqdn ? FLAVOURS[1] : flavour) as unknown as Manifest[];
        checked += manifests.length;
        expect(manifests.flatMap((m) => validateManifest(m))).toEqual([]);
      }),
      { numRuns: 80, seed: 7 },
    );
    expect(checked).toBeGreaterThan(80 * 5);
  });

  it('would catch a schema error in a synthesized object (the check can fail)', () => {
    const manifests = synth(incidentResponder, 3) as unknown as Manifest[];
    const policy = structuredClone(manifests.find((m) => m.kind === 'ValidatingAdmissionPolicy')!) as Manifest & { spec: Record<string, unknown> };
    policy.spec['failurePolicy'] = 'Sometimes';
    expect(validateManifest(policy).join('\n')).toMatch(/failurePolicy/);
  });
});
