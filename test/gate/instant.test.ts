import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { formatInstant, parseInstant } from '../../src/gate/instant';

describe('parseInstant', () => {
  it('reads UTC, offsets with and without a colon, and fractions of any length', () => {
    expect(parseInstant('2026-05-01T00:00:00Z')).toBe(Date.UTC(2026, 4, 1));
    expect(parseInstant('2026-05-01T02:00:00+02:00')).toBe(Date.UTC(2026, 4, 1));
    expect(parseInstant('2026-04-30T19:30:00-0430')).toBe(Date.UTC(2026, 4, 1));
    expect(parseInstant('2026-05-01T00:00:00.5Z')).toBe(Date.UTC(2026, 4, 1) + 500);
    expect(parseInstant('2017-09-11T19:55:05.123456Z')).toBe(Date.UTC(2017, 8, 11, 19, 55, 5, 123));
    expect(parseInstant('2019-11-05T00:40:27.638711925Z')).toBe(Date.UTC(2019, 10, 5, 0, 40, 27, 638));
  });

  it('accepts the leap day of a leap year only', () => {
    expect(parseInstant('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseInstant('2026-02-29T00:00:00Z')).toBeNaN();
    expect(parseInstant('2100-02-29T00:00:00Z')).toBeNaN();
    expect(parseInstant('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
  });

  it('fails on a missing zone, a field out of range, a wrong separator or trailing text', () => {
    for (const bad of [
      '2026-05-01T00:00:00', '2026-05-01', '2026-13-01T00:00:00Z', '2026-04-31T00:00:00Z', '2026-05-01T24:00:00Z',
      '2026-05-01T00:60:00Z', '2026-05-01T00:00:60Z', '2026-05-01 00:00:00Z', '2026/05/01T00:00:00Z', '2026-05-01T00:00:00Zx',
      '2026-05-01T00:00:00.Z', '2026-05-01T00:00:00+24:00', '2026-05-01T00:00:00+02', 'yesterday', '',
    ]) expect(parseInstant(bad), bad).toBeNaN();
  });

  it('fails on a time whose first character is NUL, as the first time read', async () => {
    // A fresh module: the date cache's first value must never be a prefix that passes unchecked.
    vi.resetModules();
    const fresh = (await import('../../src/gate/instant')).parseInstant;
    expect(fresh('\u0000026-05-01T00:00:00Z')).toBeNaN();
    expect(fresh('1970-01-01T00:00:01Z')).toBe(1000);
  });

  it('agrees with Date on every valid time, in UTC and at any offset (property)', () => {
    const offset = fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 });
    fc.assert(fc.property(fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true }), offset, (d, minutes) => {
      expect(parseInstant(d.toISOString())).toBe(d.getTime());
      const local = new Date(d.getTime() + minutes * 60_000).toISOString().slice(0, 23);
      const zone = `${minutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
      expect(parseInstant(local + zone)).toBe(d.getTime());
    }), { numRuns: 2000 });
  });
});

/** An independent reading of the accepted shape: a regular expression, range checks and Date. */
function reference(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (month < 1 || month > 12 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return NaN;
  const [oh, om] = [Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (oh > 23 || om > 59) return NaN;
  const offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  const millis = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  return date.getTime() + ((hour * 60 + minute - offset) * 60 + second) * 1000 + millis;
}

describe('parseInstant against an independent reading', () => {
  it('agrees on valid times with one or two characters changed, cut or added (property)', () => {
    const chars = fc.constantFrom(...'0123456789-:+.TtZz x\u0000\u0663\uff10/'.split(''));
    const valid = fc.tuple(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.constantFrom('Z', '+02:00', '-0430', '.5Z', '.123456789+01:00', 'z'))
      .map(([d, zone]) => d.toISOString().slice(0, 19) + zone);
    const edit = fc.tuple(fc.nat(30), chars, fc.constantFrom('replace', 'insert', 'delete', 'cut'));
    fc.assert(fc.property(valid, fc.array(edit, { maxLength: 2 }), (text, edits) => {
      let s = text;
      for (const [at, c, how] of edits) {
        const i = at % (s.length + 1);
        s = how === 'replace' ? s.slice(0, i) + c + s.slice(i + 1) : how === 'insert' ? s.slice(0, i) + c + s.slice(i) : how === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i);
      }
      expect(parseInstant(s), JSON.stringify(s)).toBe(reference(s));
    }), { numRuns: 20_000 });
  });

  it('keeps no state that changes a later answer: the same texts in any order (property)', () => {
    const texts = ['2026-05-01T00:00:00Z', '2026-02-29T00:00:00Z', '2028-02-29T00:00:00Z', '2026-05-01T00:00:00', '2026-05-01x00:00:00Z', '1970-01-01T00:00:00Z', '2026-05-0aT00:00:00Z'];
    fc.assert(fc.property(fc.array(fc.constantFrom(...texts), { maxLength: 30 }), (order) => {
      for (const t of order) expect(parseInstant(t), t).toBe(reference(t));
    }));
  });
});

describe('formatInstant', () => {
  it('prints seconds without milliseconds and keeps milliseconds when present', () => {
    expect(formatInstant(Date.UTC(2026, 4, 1))).toBe('2026-05-01T00:00:00Z');
    expect(formatInstant(Date.UTC(2026, 4, 1) + 7)).toBe('2026-05-01T00:00:00.007Z');
  });

  it('prints what Date prints, seconds-only form aside, at any instant (property)', () => {
    const viaDate = (ms: number) => {
      const text = new Date(ms).toISOString();
      return ms % 1000 === 0 ? text.replace('.000Z', 'Z') : text;
    };
    // Every year parseInstant reads, the edges of that range and beyond (printed by Date there).
    const edges = [-62_167_219_200_001, -62_167_219_200_000, 0, -1, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15];
    for (const ms of edges) expect(formatInstant(ms), String(ms)).toBe(viaDate(ms));
    fc.assert(fc.property(fc.integer({ min: -62_198_755_200_000, max: 253_433_923_200_000 }), (ms) => {
      expect(formatInstant(ms)).toBe(viaDate(ms));
    }), { numRuns: 20_000 });
    fc.assert(fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      expect(formatInstant(d.getTime())).toBe(viaDate(d.getTime()));
      expect(parseInstant(formatInstant(d.getTime()))).toBe(d.getTime());
    }), { numRuns: 5000 });
  });
});
