import { describe, expect, it } from 'vitest';
import { ResampleStats } from './resample-stats';
import type { SparseFrames } from './sparse-frames';

/** One feature (index 0) with the given values, one frame per value. */
function series(values: number[]): SparseFrames {
  return {
    rows: values.length,
    ptr: Int32Array.from({ length: values.length + 1 }, (_, t) => t),
    index: new Int32Array(values.length),
    value: Float64Array.from(values),
  };
}

describe('ResampleStats', () => {
  // batches of 2 frames alternating low and high around a level: batch sums 1, 3, 1, 3, … (level 0) then 11, 13, …
  const steady = Array.from({ length: 40 }, (_, t) => [0, 1, 1, 2][t % 4]);
  const stepped = steady.map((v, t) => (t < 20 ? v : v + 5));

  it('estimates the long-run variance from batch means about their mean, or from successive differences', () => {
    const stats = new ResampleStats(series(steady), 1, 2, true);
    stats.addBlock(0, 40);
    expect(stats.batches).toBe(20);
    // batch sums alternate 1 and 3: variance about the mean 20/19, divided by the batch length
    expect(stats.longRunVariance(0)).toBeCloseTo(20 / 19 / 2, 12);
    // every successive difference is ±2: 19 × 4 / (2 × 19), divided by the batch length
    expect(stats.successiveVariance(0)).toBeCloseTo(1, 12);
  });

  it('a step in the mean inflates the spread about the mean, and moves one successive difference only', () => {
    const stats = new ResampleStats(series(stepped), 1, 2, true);
    stats.addBlock(0, 40);
    // batch sums 1, 3 (×5 each) then 11, 13 (×5 each): squares about 7 sum to 520
    expect(stats.longRunVariance(0)).toBeCloseTo(520 / 19 / 2, 12);
    // one difference of the 19 became 10 − 2 (3 → 11 instead of 3 → 1): (18 × 4 + 64) / 38 / 2
    expect(stats.successiveVariance(0)).toBeCloseTo((18 * 4 + 64) / 38 / 2, 12);
  });

  it('keeps no successive differences unless asked, and restarts them on reset', () => {
    const plain = new ResampleStats(series(steady), 1, 2);
    plain.addBlock(0, 40);
    expect(plain.successiveVariance(0)).toBe(0);
    const stats = new ResampleStats(series(stepped), 1, 2, true);
    stats.addBlock(0, 40);
    stats.reset();
    stats.addBlock(0, 20);
    expect(stats.successiveVariance(0)).toBeCloseTo(1, 12);
  });
});
