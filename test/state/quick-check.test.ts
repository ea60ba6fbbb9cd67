import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickState, STATE_FIELDS } from '../../src/state/quick-check';
import { stateFileSchema } from '../../src/state/schema';

/** Values near the edges of each field: right, wrong type, null, bad dates. */
const time = fc.oneof(
  fc.constantFrom('2026-05-01T00:00:00Z', '2026-05-01T00:00:00.123Z', '2026-05-01T02:00:00+02:00', '2024-02-29T23:59:59Z',
    '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-05-01T24:00:00Z', '2026-05-01T00:00:60Z', '2026-05-01T00:00Z',
    '2026-05-01T00:00:00', '2026-05-01T00:00:00.1234Z', '2026-05-01T00:00:00+2400', '', 'yesterday'),
  fc.date({ noInvalidDate: true, min: new Date('1900-01-01'), max: new Date('2200-01-01') }).map((d) => d.toISOString()),
);
const phase = fc.constantFrom<unknown>(1, 2, 3, 4, 0, 5, '2', null, 2.5);
const str = fc.constantFrom<unknown>('x', '', null, 3, ' ');
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const entry = fc.record({
  from: fc.oneof(phase, fc.constant(null)), to: phase, at: time, by: str, reasons: fc.oneof(fc.constant(['r']), fc.constant([1]), fc.constant('r')),
  kind: fc.constantFrom<unknown>('set-phase', 'evaluate', 'set-revision', 'other'), evidenceDigest: maybe(str), revision: maybe(str),
  revisionAction: maybe(fc.constantFrom<unknown>('keep', 'restart', { dropTo: 2 }, { dropTo: 7 }, 'drop', null)),
}, { requiredKeys: [] });
const state = fc.record({
  agent: str, phase, since: time, history: maybe(fc.oneof(fc.array(entry, { maxLength: 3 }), fc.constant(null))),
  hold: maybe(fc.oneof(fc.constant(null), fc.record({ reason: str, since: time, violationAt: time, violations: maybe(fc.constantFrom<unknown>(1, 0, 2.5, 3)), actedAt: maybe(time) }, { requiredKeys: [] }))),
  violationsActedUntil: maybe(time),
  violationsActed: maybe(fc.array(fc.constantFrom('0123456789abcdef0123456789abcdef', '0123456789ABCDEF0123456789ABCDEF', 'x'), { maxLength: 2 })),
  revision: maybe(fc.record({ id: str, model: maybe(str), since: time }, { requiredKeys: [] })),
}, { requiredKeys: [] });

describe('quickState', () => {
  it('accepts only what the zod schema accepts (property)', () => {
    fc.assert(fc.property(state, (raw) => {
      const clean = JSON.parse(JSON.stringify(raw)) as unknown;
      if (quickState(clean) !== undefined) expect(stateFileSchema.safeParse(clean).success).toBe(true);
    }), { numRuns: 3000 });
  });

  it('accepts the files this library writes, so reading them never loads zod', () => {
    const written = {
      agent: 'a', phase: 3, since: '2026-10-01T00:00:00Z',
      history: [{ from: null, to: 1, at: '2026-08-01T00:00:00Z', by: 'alice', reasons: ['r'], kind: 'set-phase' },
        { from: 1, to: 2, at: '2026-10-01T00:00:00Z', by: 'trust-gate evaluate', reasons: [], kind: 'evaluate', evidenceDigest: 'sha256:e', policyDigest: 'sha256:p' },
        { from: 2, to: 2, at: '2026-10-02T00:00:00Z', by: 'alice', reasons: ['r', 'e'], kind: 'set-revision', revision: 'v2', revisionAction: { dropTo: 2 }, policyDigest: 'sha256:p' }],
      hold: { reason: 'r', since: '2026-10-03T00:00:00Z', violationAt: '2026-10-02T10:00:00.250Z', violations: 2, evidenceDigest: 'sha256:e', actedAt: '2026-10-03T00:00:00Z' },
      violationsActedUntil: '2026-10-02T10:00:00.250Z', violationsActed: ['0123456789abcdef0123456789abcdef'],
      revision: { id: 'v2', since: '2026-10-02T00:00:00Z' }, 'x-team': 'sre',
    };
    expect(quickState(written)).toBe(written);
  });

  it('lists the schema\'s fields', () => {
    expect([...STATE_FIELDS].sort()).toEqual(Object.keys(stateFileSchema.shape).sort());
  });
});
