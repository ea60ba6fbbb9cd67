import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/definition/validate';
import { validDefinition } from '../support/arbitraries';

describe('validDefinition', () => {
  it('generates only definitions that pass validation', () => {
    fc.assert(fc.property(validDefinition(), (def) => {
      expect(validateDefinition(def)).toEqual([]);
    }), { numRuns: 300 });
  });

  it('generates only valid definitions when the dangerous set is acknowledged', () => {
    fc.assert(fc.property(validDefinition({ dangerous: true }), (def) => {
      expect(validateDefinition(def)).toEqual([]);
    }), { numRuns: 300 });
  });

  it('generates egress of all three peer kinds, and no fqdn when told not to', () => {
    const peers = (fqdn: boolean) => new Set(fc.sample(validDefinition({ fqdn }), { numRuns: 300, seed: 7 })
      .flatMap((d) => [d.observe, d.recommend, d.remediate, d.autonomous].flatMap((t) => t?.egress ?? []))
      .map((r) => Object.keys(r.to).find((k) => k !== 'except' && k !== 'podLabels')));
    expect(peers(true)).toEqual(new Set(['cidr', 'namespace', 'fqdn']));
    expect(peers(false)).toEqual(new Set(['cidr', 'namespace']));
  });
});
