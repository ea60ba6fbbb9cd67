/**
 * Hostile pod-template patches, generated: whatever a patch sets anywhere in a Deployment (any
 * field the Deployment, PodSpec, Container or ObjectMeta schemas declare, with any JSON value),
 * the restart action admits it exactly when the only change the agent made is the restart
 * annotation. The oracle is an independent deep comparison written from the action's contract,
 * judged against the synthesized policies on a real CEL engine.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incidentResponder } from '../../examples/incident-responder';
import { RESTARTED_AT } from '../../src/definition/actions';
import { evaluateAdmission, type JsonObject } from '../support/vap';
import { propertiesAt } from '../support/openapi';
import { ALICE, cluster, deployment, key, restarted, update } from './admission-fixtures';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where a patch may land, with the fields the schema declares there. */
const SPOTS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['spec', propertiesAt('apps/v1', 'Deployment', 'spec')],
  ['spec.template.spec', propertiesAt('apps/v1', 'Deployment', 'spec.template.spec')],
  ['spec.template.spec.containers.0', propertiesAt('apps/v1', 'Deployment', 'spec.template.spec.containers[]')],
  ['spec.template.spec.containers.1', propertiesAt('apps/v1', 'Deployment', 'spec.template.spec.containers[]')],
  ['spec.template.metadata', propertiesAt('apps/v1', 'Deployment', 'spec.template.metadata')],
  ['spec.template.metadata.annotations', [RESTARTED_AT, 'sidecar.istio.io/inject', 'x']],
  ['metadata', propertiesAt('apps/v1', 'Deployment', 'metadata').filter((f) => !['name', 'namespace'].includes(f))],
  ['metadata.labels', ['app', 'tier']],
  ['status', ['replicas', 'readyReplicas']],
];

const value: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(true, 'payments-admin', 'evil.example.com/miner:latest', '/', 0, 3, null, {}),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

/** One patch: a field at a spot, set to a value (`undefined` removes it). */
const patch = fc.constantFrom(...SPOTS).chain(([spot, fields]) =>
  fc.record({ spot: fc.constant(spot), field: fc.constantFrom(...fields), value: fc.option(value, { nil: undefined }) }),
);

function apply(object: JsonObject, patches: ReadonlyArray<{ spot: string; field: string; value: Json | undefined }>): JsonObject {
  const o = structuredClone(object) as Record<string, Json>;
  for (const p of patches) {
    let at = o as Record<string, Json>;
    for (const seg of p.spot.split('.')) {
      if (at[seg] === null || typeof at[seg] !== 'object') at[seg] = {};
      at = at[seg] as Record<string, Json>;
    }
    if (p.value === undefined) delete at[p.field];
    else at[p.field] = p.value;
  }
  return o as unknown as JsonObject;
}

/** Keys the API server owns or the action ignores: top-level metadata other than labels, annotations, finalizers and ownerReferences, and status. */
function comparable(object: JsonObject): Json {
  const o = structuredClone(object) as Record<string, any>;
  const meta = o['metadata'] ?? {};
  o['metadata'] = Object.fromEntries(['labels', 'annotations', 'finalizers', 'ownerReferences'].filter((k) => k in meta).map((k) => [k, meta[k]]));
  delete o['status'];
  const template = o['spec']?.['template'];
  if (template && typeof template === 'object' && template['metadata'] && typeof template['metadata'] === 'object' && template['metadata']['annotations'] && typeof template['metadata']['annotations'] === 'object') {
    delete template['metadata']['annotations'][RESTARTED_AT];
    if (Object.keys(template['metadata']['annotations']).length === 0) delete template['metadata']['annotations'];
  }
  return o;
}

/** The contract of `restart`: nothing but the restart annotation changed. */
const onlyRestart = (old: JsonObject, next: JsonObject) => JSON.stringify(canonical(comparable(old))) === JSON.stringify(canonical(comparable(next)));

function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, Json>)[k]!)]));
  return v;
}

describe('restart admits exactly the restart annotation, whatever else a patch sets', () => {
  const old = deployment();
  const runs = { numRuns: 300, seed: 23 };

  it('in phase 4, on any deployment of shop, without an approval', () => {
    const c = cluster(incidentResponder, 4);
    let admitted = 0;
    fc.assert(
      fc.property(fc.array(patch, { minLength: 0, maxLength: 3 }), (patches) => {
        const next = apply(restarted(old), patches);
        const allowed = evaluateAdmission(c, update(old, next)).allowed;
        if (allowed) admitted++;
        expect({ patches, allowed }).toEqual({ patches, allowed: onlyRestart(old, next) });
      }),
      runs,
    );
    // Both outcomes occur, so neither side of the comparison is vacuous.
    expect(admitted).toBeGreaterThan(10);
    expect(admitted).toBeLessThan(runs.numRuns - 10);
  });

  it('in phase 3, with the operator approval of that write', () => {
    const c = cluster(incidentResponder, 3, { [key('restart', 'checkout')]: ALICE.username });
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 3 }), (patches) => {
        const next = apply(restarted(old), patches);
        expect({ patches, allowed: evaluateAdmission(c, update(old, next)).allowed }).toEqual({ patches, allowed: onlyRestart(old, next) });
      }),
      runs,
    );
  });
});
