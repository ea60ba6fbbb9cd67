import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalQuantile, wilsonInterval, zOf } from '../../src/gate/bounds';

describe('normalQuantile', () => {
  it('matches the published standard normal quantiles', () => {
    expect(zOf(0.95)).toBeCloseTo(1.959964, 6);
    expect(zOf(0.9)).toBeCloseTo(1.644854, 6);
    expect(zOf(0.99)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361341, 5);
  });

  it('fails outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  // Reference values: Wilson (1927) score interval, as tabulated by Newcombe (1998) and computed by
  // R's prop.test(correct = FALSE) / binom::binom.wilson at 95%.
  it.each([
    [96, 100, 0.901629, 0.984337],
    [18, 20, 0.698966, 0.972134],
    [0, 100, 0, 0.036993],
    [100, 100, 0.963007, 1],
  ])('gives the published 95%% interval for %i/%i', (hits, samples, lower, upper) => {
    const i = wilsonInterval(hits, samples, 0.95);
    expect(i.lower).toBeCloseTo(lower, 6);
    expect(i.upper).toBeCloseTo(upper, 6);
    expect(i.confidence).toBe(0.95);
  });

  it('is all of [0, 1] without samples', () => {
    expect(wilsonInterval(0, 0, 0.95)).toEqual({ lower: 0, upper: 1, confidence: 0.95 });
  });

  const sample = fc.integer({ min: 1, max: 5_000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
  const level = fc.constantFrom(0.8, 0.9, 0.95, 0.99, 0.999);

  it('never crosses the point estimate and stays within [0, 1] (property)', () => {
    fc.assert(fc.property(sample, level, ([k, n], c) => {
      const i = wilsonInterval(k, n, c);
      expect(i.lower).toBeGreaterThanOrEqual(0);
      expect(i.upper).toBeLessThanOrEqual(1);
      expect(i.lower).toBeLessThanOrEqual(k / n);
      expect(i.upper).toBeGreaterThanOrEqual(k / n);
    }));
  });

  it('is monotone in successes: one more success never lowers either bound (property)', () => {
    fc.assert(fc.property(sample, level, ([k, n], c) => {
      fc.pre(k < n);
      const a = wilsonInterval(k, n, c);
      const b = wilsonInterval(k + 1, n, c);
      expect(b.lower).toBeGreaterThanOrEqual(a.lower);
      expect(b.upper).toBeGreaterThanOrEqual(a.upper);
    }));
  });

  it('is monotone in samples: one more success raises the lower bound, one more failure lowers the upper bound (property)', () => {
    fc.assert(fc.property(sample, level, ([k, n], c) => {
      const now = wilsonInterval(k, n, c);
      expect(wilsonInterval(k + 1, n + 1, c).lower).toBeGreaterThanOrEqual(now.lower - 1e-12);
      expect(wilsonInterval(k, n + 1, c).upper).toBeLessThanOrEqual(now.upper + 1e-12);
    }));
  });

  it('narrows with more samples at the same share, and widens with the confidence level (property)', () => {
    fc.assert(fc.property(sample, fc.integer({ min: 2, max: 10 }), ([k, n], m) => {
      const few = wilsonInterval(k, n, 0.95);
      const many = wilsonInterval(k * m, n * m, 0.95);
      expect(many.upper - many.lower).toBeLessThanOrEqual(few.upper - few.lower + 1e-12);
      const wider = wilsonInterval(k, n, 0.99);
      expect(wider.lower).toBeLessThanOrEqual(few.lower + 1e-12);
      expect(wider.upper).toBeGreaterThanOrEqual(few.upper - 1e-12);
    }));
  });
});
