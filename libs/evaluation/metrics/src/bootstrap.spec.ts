import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@audio-concepts/shared-random';
import { bootstrapIntervals, countedMean, quantile } from './bootstrap';

describe('quantile (numpy linear)', () => {
  it('interpolates between order statistics', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 15);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

/** Fraction of `trials` data sets (n rows from `draw`) whose interval at `level` holds the true value. */
function coverage(trials: number, n: number, draw: () => number, truth: number, level: number, seed: number): number {
  let covered = 0;
  for (let t = 0; t < trials; t++) {
    const rows = Float64Array.from({ length: n }, draw);
    const { mean } = bootstrapIntervals(n, { mean: countedMean(rows) }, { resamples: 400, seed: seed + t, level });
    if (mean[0] <= truth && truth <= mean[1]) covered++;
  }
  return covered / trials;
}

describe('bootstrapIntervals: coverage in simulation', () => {
  // 400 data sets: the standard error of a coverage near 0.95 is 0.011, so [0.90, 0.99] holds a correct 95 %
  // interval with a wide margin, and an interval of the wrong level (50 %) falls far outside it.
  const TRIALS = 400;

  it('accuracy of Bernoulli(0.7) rows, n = 200: the 95 % interval covers p in 90–99 % of data sets', () => {
    const rand = mulberry32(11);
    const bernoulli = () => (rand() < 0.7 ? 1 : 0);
    const covered = coverage(TRIALS, 200, bernoulli, 0.7, 0.95, 1000);
    expect(covered).toBeGreaterThanOrEqual(0.9);
    expect(covered).toBeLessThanOrEqual(0.99);
    // a 50 % interval covers about half as often: the check above would catch a wrong level
    const half = coverage(TRIALS, 200, bernoulli, 0.7, 0.5, 5000);
    expect(half).toBeGreaterThan(0.4);
    expect(half).toBeLessThan(0.6);
  });

  it('mean of a skewed continuous variable (U², mean 1/3), n = 100', () => {
    const rand = mulberry32(12);
    const covered = coverage(TRIALS, 100, () => rand() ** 2, 1 / 3, 0.95, 9000);
    expect(covered).toBeGreaterThanOrEqual(0.9);
    expect(covered).toBeLessThanOrEqual(0.99);
  });
});

describe('bootstrapIntervals', () => {
  it('the same seed gives the same intervals, one set of resamples serves every statistic', () => {
    const values = Float64Array.from({ length: 30 }, (_, i) => i % 3);
    const stats = { a: countedMean(values), b: countedMean(values) };
    const first = bootstrapIntervals(30, stats, { resamples: 200, seed: 4 });
    expect(bootstrapIntervals(30, stats, { resamples: 200, seed: 4 })).toEqual(first);
    expect(first.a).toEqual(first.b);
    expect(bootstrapIntervals(30, stats, { resamples: 200, seed: 5 }).a).not.toEqual(first.a);
  });

  it('a constant statistic has a zero-width interval; non-finite resamples are left out', () => {
    expect(bootstrapIntervals(5, { c: () => 2 }, { resamples: 50 }).c).toEqual([2, 2]);
    expect(bootstrapIntervals(5, { c: () => NaN }, { resamples: 50 }).c).toEqual([NaN, NaN]);
  });

  it('rejects a bad number of resamples, level or rows', () => {
    expect(() => bootstrapIntervals(5, {}, { resamples: 0 })).toThrow('resamples must be a positive integer, got 0');
    expect(() => bootstrapIntervals(5, {}, { resamples: 10, level: 95 })).toThrow('level must be in (0, 1), got 95');
    expect(() => bootstrapIntervals(0, {}, { resamples: 10 })).toThrow('at least one row');
  });
});
