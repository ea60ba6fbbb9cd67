import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/gate/evaluate';
import { evidenceRecordSchema } from '../../src/gate/evidence-schema';
import { textSource } from '../../src/gate/source';
import {
  appendEvidence, evidenceLine, incidentRecord, investigationClosedRecord, parsePhaseConfig, recordContext, scopeViolationRecord, signoffRecord,
  type IncidentRecord,
} from '../../src/runtime';
import { tempDir } from '../support/cli';
import { synthesizedPhaseConfig } from './support';

const AT = '2026-11-20T10:00:00Z';
const base = { agent: 'incident-responder', at: AT };

describe('evidence builders', () => {
  it('build each record type with its type and an ISO time from a Date', () => {
    const ctx = recordContext(parsePhaseConfig(synthesizedPhaseConfig(3)));
    expect(incidentRecord({ ...ctx, at: new Date(AT), id: 'INC-1', domain: 'database', remediation: { completed: true, rolledBack: false } }))
      .toEqual({ type: 'incident', agent: 'incident-responder', phase: 3, at: '2026-11-20T10:00:00.000Z', id: 'INC-1', domain: 'database', remediation: { completed: true, rolledBack: false } });
    expect(signoffRecord({ ...base, by: 'alice', transition: '3->4' }).type).toBe('signoff');
    expect(scopeViolationRecord({ ...base, source: 'agent', detail: 'tried to delete a pod' }).type).toBe('scope-violation');
    expect(investigationClosedRecord({ ...base, by: 'bob', note: '' }).type).toBe('investigation-closed');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an empty domain', { domain: '' }, 'field "domain" is "": must be a non-empty string, e.g. "database"'],
    ['a confidence of 91', { confidence: 91 }, 'field "confidence" is 91: must be a number from 0 to 1'],
    ['edits "lots"', { edits: 'lots' }, 'field "edits" is "lots": must be one of "none", "minimal", "major", "rejected"'],
    ['a time without a zone', { at: '2026-11-20T10:00:00' }, 'field "at" is "2026-11-20T10:00:00": must be an ISO-8601 time with a zone'],
    ['a remediation without rolledBack', { remediation: { completed: true } }, 'field "remediation.rolledBack" is missing: must be true or false'],
  ])('fail on %s with the gate\'s own message', (_what, change, message) => {
    const input = { ...base, phase: 3, id: 'INC-1', domain: 'database', ...change } as Parameters<typeof incidentRecord>[0];
    expect(() => incidentRecord(input)).toThrow(`incident record of "incident-responder": ${message}`);
  });

  it('accept exactly the incidents the zod schema (the JSON Schema\'s source) accepts', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const anyValue = fc.oneof(fc.boolean(), fc.integer({ min: -2, max: 5 }), fc.double({ min: -1, max: 2, noNaN: true }), fc.constantFrom('', 'x', 'none', 'major'));
    const incident = fc.record({
      id: fc.oneof(fc.constantFrom('INC-1', ''), anyValue),
      phase: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 0), anyValue),
      domain: fc.oneof(fc.constant('dns'), anyValue),
      diagnosisCorrect: maybe(fc.oneof(fc.boolean(), anyValue)),
      operatorAgreed: maybe(fc.boolean()),
      edits: maybe(fc.oneof(fc.constantFrom('none', 'minimal', 'major', 'rejected', 'some'), anyValue)),
      remediation: maybe(fc.oneof(fc.record({ completed: fc.boolean(), rolledBack: fc.oneof(fc.boolean(), anyValue) }), anyValue)),
      confidence: maybe(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyValue)),
    }, { requiredKeys: ['id', 'phase', 'domain'] });
    fc.assert(fc.property(incident, (fields) => {
      const input = Object.fromEntries(Object.entries({ ...base, ...fields }).filter(([, v]) => v !== undefined));
      let built = true;
      try {
        incidentRecord(input as Parameters<typeof incidentRecord>[0]);
      } catch {
        built = false;
      }
      expect(built, JSON.stringify(input)).toBe(evidenceRecordSchema.safeParse({ type: 'incident', ...input }).success);
    }), { numRuns: 1000 });
  });

  it('write lines the gate reads, appending one line per record', async () => {
    const file = join(tempDir('gt-evidence-'), 'evidence.jsonl');
    const records: IncidentRecord[] = Array.from({ length: 3 }, (_, i) => incidentRecord({ ...base, phase: 2, id: `INC-${i}`, domain: 'dns', operatorAgreed: true, edits: 'none' }));
    appendEvidence(file, records[0]!);
    appendEvidence(file, ...records.slice(1));
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith(evidenceLine(records[2]!))).toBe(true);
    const decision = await evaluate({ state: { agent: 'incident-responder', phase: 2, since: '2026-11-01T00:00:00Z' }, now: new Date('2026-11-25T00:00:00Z'), evidence: [textSource(file, text)] });
    expect(decision.gates.find((g) => g.name === '2->3 operatorVerdicts')?.observed).toBe(3);
  });

  it('carry the agent\'s revision, so promotion counts only records of the current one', async () => {
    const config = parsePhaseConfig(synthesizedPhaseConfig(2));
    const parts = { model: 'sha256:m2', prompt: 'sha256:p7', toolset: 'sha256:t1' };
    expect(recordContext(config, parts)).toEqual({ agent: 'incident-responder', phase: 2, revision: parts });
    expect(recordContext(config)).not.toHaveProperty('revision');
    const text = [
      incidentRecord({ ...recordContext(config, parts), at: AT, id: 'INC-new', domain: 'dns', operatorAgreed: true }),
      incidentRecord({ ...recordContext(config, 'v6'), at: AT, id: 'INC-old', domain: 'dns', operatorAgreed: true }),
    ].map(evidenceLine).join('');
    const state = {
      agent: 'incident-responder', phase: 2 as const, since: '2026-11-01T00:00:00Z',
      revision: { id: 'model=sha256:m2;prompt=sha256:p7;toolset=sha256:t1', ...parts, since: '2026-11-01T00:00:00Z' },
    };
    const decision = await evaluate({ state, now: new Date('2026-11-25T00:00:00Z'), evidence: [textSource('e.jsonl', text)] });
    expect(decision.gates.find((g) => g.name === '2->3 operatorVerdicts')?.observed).toBe(1);
  });

  it('fail on a revision that is neither a string nor the three digests', () => {
    expect(() => incidentRecord({ ...base, phase: 2, id: 'I', domain: 'dns', revision: { model: 'm' } as never }))
      .toThrow('field "revision" is {"model":"m"}: must be a non-empty revision string, or {"model": "...", "prompt": "...", "toolset": "..."} digests');
  });
});
