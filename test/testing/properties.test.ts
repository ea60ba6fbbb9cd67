/**
 * The helpers on random valid definitions: the promises hold on what the constructs synthesize,
 * and an object added in phase 3 that breaks one makes the matching assertion fail naming it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/definition/types';
import { PHASE_VALUES } from '../../src/phase/table';
import { accessSnapshot, expectAccess, expectPhases, synthesizePhases, type Phases } from '../../src/testing';
import { namespaceName, validDefinition } from '../support/arbitraries';
import { boundRole, failure, optionsFor, withManifests } from './support';

// Each run synthesizes four phases of a random definition (~0.4 s), so runs are few and the timeout generous.
const RUNS = { numRuns: 25, seed: 7 };

/** A valid definition with the NetworkPolicy flavour it needs (DNS names need Cilium). */
const definitions = fc.oneof(
  validDefinition({ fqdn: false }).map((def) => ({ def, flavour: 'kubernetes' as const })),
  validDefinition().map((def) => ({ def, flavour: 'cilium' as const })),
);

/** The four phases, with Vault and AWS when the definition declares them. */
function synthesize(def: AgentDefinition, flavour: 'kubernetes' | 'cilium'): Phases {
  return synthesizePhases(def, optionsFor(def, flavour));
}

/** One object validation would refuse in phase 3, the assertion it breaks and the grant the failure must name. */
const breaches = fc.tuple(namespaceName(), fc.constantFrom('wildcard', 'secrets', 'unnamed')).map(([namespace, kind]) => {
  switch (kind) {
    case 'wildcard':
      return { namespace, kind, rules: '[{apiGroups: [apps], resources: ["*"], verbs: [get]}]', grant: `get apps/* in ${namespace}`, check: 'toHaveNoDangerousAccess' as const };
    case 'secrets':
      return { namespace, kind, rules: '[{apiGroups: [""], resources: [secrets], verbs: [list]}]', grant: `list secrets in ${namespace}`, check: 'toHaveNoDangerousAccess' as const };
    default:
      return { namespace, kind, rules: '[{apiGroups: [batch], resources: [jobs], verbs: [delete]}]', grant: `delete batch/jobs in ${namespace}`, check: 'toWriteOnlyNamedResources' as const };
  }
});

describe('the helpers on random valid definitions', { timeout: 120_000 }, () => {
  it('finds every phase contained in the next one', () => {
    fc.assert(
      fc.property(definitions, ({ def, flavour }) => {
        const phases = synthesize(def, flavour);
        expectPhases(phases).toBeMonotonic();
      }),
      RUNS,
    );
  });

  it('finds phases 1 and 2 read-only, phase 3 writing only named resources and nothing dangerous anywhere', () => {
    fc.assert(
      fc.property(definitions, ({ def, flavour }) => {
        const phases = synthesize(def, flavour);
        expectAccess(phases[1]).toBeReadOnly();
        expectAccess(phases[2]).toBeReadOnly();
        expectAccess(phases[3]).toWriteOnlyNamedResources();
        for (const phase of PHASE_VALUES) expectAccess(phases[phase]).toHaveNoDangerousAccess();
      }),
      RUNS,
    );
  });

  it('fails the matching assertion on a wildcard, a secrets read or an unnamed write added in phase 3, naming it', () => {
    fc.assert(
      fc.property(definitions, breaches, ({ def, flavour }, breach) => {
        const phases = synthesize(def, flavour);
        const p = withManifests(phases[3], boundRole(def, breach.namespace, 'breach', breach.rules));
        const message = failure(() => expectAccess(p)[breach.check]());
        expect(message).toContain(`${breach.grant} (Role breach in ${breach.namespace})`);
        expect(message).toMatch(/^phase 3 (grants dangerous access|writes resources it does not name)/);
      }),
      RUNS,
    );
  });

  it('fails toDeny on what an added Role allows, and allows it', () => {
    fc.assert(
      fc.property(definitions, namespaceName(), ({ def, flavour }, namespace) => {
        const phases = synthesize(def, flavour);
        const p = withManifests(phases[3], boundRole(def, namespace, 'breach', '[{apiGroups: [""], resources: [secrets], verbs: [get]}]'));
        expectAccess(p).toAllow({ k8s: `get secrets tls in ${namespace}` });
        expect(failure(() => expectAccess(p).toDeny({ k8s: `get secrets tls in ${namespace}` }))).toBe(
          `phase 3 allows get secrets "tls" in ${namespace} (Role breach in ${namespace})`,
        );
      }),
      RUNS,
    );
  });

  it('gives byte-identical snapshots when synthesized twice', () => {
    fc.assert(
      fc.property(definitions, ({ def, flavour }) => {
        const first = synthesize(def, flavour);
        const second = synthesize(def, flavour);
        expect(accessSnapshot(second)).toBe(accessSnapshot(first));
        expect(JSON.stringify(PHASE_VALUES.map((p) => second[p].access))).toBe(JSON.stringify(PHASE_VALUES.map((p) => first[p].access)));
      }),
      { ...RUNS, numRuns: 20 },
    );
  });
});
