import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvidenceAggregator } from '../../src/gate/evidence';
import { identityKey, isAgentItself } from '../../src/gate/identity';
import { evidenceRecordSchema } from '../../src/gate/evidence-schema';
import { ViolationLedger } from '../../src/gate/violations';

/** Whether the gate's reader accepts one line. */
function gateAccepts(record: unknown): boolean {
  const reader = new EvidenceAggregator(
    { agent: 'a', phase: 2, sinceMs: 0, nowMs: Date.UTC(2030, 0), recentFromMs: 0, recentAfterMs: 0, nextTransition: '2->3', revision: undefined, identities: new Set() },
    new ViolationLedger(new Set(), Date.UTC(2030, 0)),
  );
  try {
    reader.line(JSON.stringify(record), 'evidence.jsonl', 1);
    return true;
  } catch {
    return false;
  }
}

describe('evidenceRecordSchema', () => {
  it('accepts exactly the records the gate reads, for every record type', () => {
    const text = fc.oneof(fc.constantFrom('', 'x', 'alice'), fc.integer(), fc.boolean());
    const at = fc.constantFrom('2026-11-20T10:00:00Z', '2026-11-20T10:00:00.123456+02:00', '2026-11-20T10:00:00', '2026-02-30T00:00:00Z', 7);
    const record = fc.record({
      type: fc.constantFrom('incident', 'signoff', 'scope-violation', 'investigation-closed', 'other'),
      agent: fc.oneof(fc.constantFrom('a', 'b'), text),
      at,
      id: fc.option(text, { nil: undefined }),
      phase: fc.option(fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), text), { nil: undefined }),
      domain: fc.option(text, { nil: undefined }),
      by: fc.option(text, { nil: undefined }),
      transition: fc.option(fc.constantFrom('1->2', '2->3', '3->4', '1->3'), { nil: undefined }),
      source: fc.option(text, { nil: undefined }),
      detail: fc.option(text, { nil: undefined }),
      note: fc.option(text, { nil: undefined }),
      unsafeActionAttempt: fc.option(fc.oneof(fc.boolean(), text), { nil: undefined }),
      revision: fc.option(fc.oneof(text, fc.constant({ model: 'm', prompt: 'p', toolset: 't' }), fc.constant({ model: 'm' })), { nil: undefined }),
    }, { requiredKeys: ['type', 'agent', 'at'] });
    fc.assert(fc.property(record, (r) => {
      const clean = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
      // The one rule JSON Schema cannot state: a person's record is never by the agent itself.
      fc.pre(!(typeof r.by === 'string' && typeof r.agent === 'string' && isAgentItself(identityKey(r.by), r.agent)));
      expect(evidenceRecordSchema.safeParse(clean).success, JSON.stringify(clean)).toBe(gateAccepts(clean));
    }), { numRuns: 3000 });
  });
});
