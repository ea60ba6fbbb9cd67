/**
 * aboveCeilingFacts looks Kubernetes rows up in an index of the ceiling's rows; it must report
 * exactly what comparing every fact with every fact of the ceiling reports.
 */
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { facts, type Fact } from '../../src/analysis/diff';
import { phaseCeiling } from '../../src/analysis/guard/ceiling';
import { aboveCeilingFacts, oneRole } from '../../src/analysis/guard/model-check';
import type { AccessModel } from '../../src/analysis/model';
import type { Phase } from '../../src/phase/table';
import { synthesizePhases } from '../../src/testing';
import { EXAMPLE_OPTIONS } from '../testing/support';

const LEFT_TO_RULES = ['iam-trust', 'vault-role', 'iam-unresolved', 'vault-unresolved', 'k8s-unresolved', 'k8s-write'];

const PHASE_LIST: readonly Phase[] = [1, 2, 3, 4];

/** The comparison of every fact with every fact, as aboveCeilingFacts did before its index. */
function reference(ceiling: AccessModel, actual: AccessModel): Array<{ text: string; why: string }> {
  const allowed = facts(oneRole(ceiling));
  return facts(oneRole(actual))
    .filter((f) => !LEFT_TO_RULES.some((k) => f.key.startsWith(`${k}\u0000`)))
    .flatMap((f: Fact) => {
      const cover = allowed.filter((c) => c.key === f.key || f.coveredBy(c));
      if (cover.length === 0) return [{ text: f.text, why: 'not allowed in this phase' }];
      if (f.approval === null && cover.every((c) => c.approval)) return [{ text: f.text, why: `needs ${cover[0]!.approval} in this phase` }];
      return [];
    });
}

describe('aboveCeilingFacts', () => {
  const phases = synthesizePhases(incidentResponder, EXAMPLE_OPTIONS);

  it('reports what the fact-by-fact comparison reports, for every phase against every ceiling', () => {
    let reported = 0;
    for (const ceilingPhase of PHASE_LIST) {
      const ceiling = phaseCeiling({ definition: incidentResponder, phase: ceilingPhase, since: EXAMPLE_OPTIONS.since!, kubernetes: EXAMPLE_OPTIONS.kubernetes as object, vault: EXAMPLE_OPTIONS.vault! });
      for (const phase of PHASE_LIST) {
        const actual = phases[phase].access;
        const found = aboveCeilingFacts(ceiling.model, actual).map((a) => ({ text: a.fact.text, why: a.why }));
        expect(found, `phase ${phase} against the phase ${ceilingPhase} ceiling`).toEqual(reference(ceiling.model, actual));
        reported += found.length;
      }
    }
    expect(reported, 'higher phases are above lower ceilings').toBeGreaterThan(0);
  });
});
