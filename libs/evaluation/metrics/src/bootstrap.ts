import { InvalidInputError } from '@audio-concepts/shared-errors';
import { mulberry32 } from '@audio-concepts/shared-random';

/** A confidence interval [lo, hi]; both NaN when no resample gave a finite value. */
export type Interval = [number, number];

/**
 * A statistic of the rows of a data set, given how many times each row is in the sample (`counts`, length n:
 * all 1 for the data as it is, multiplicities 0, 1, 2, … for a bootstrap resample). Resampling by counts instead
 * of copying rows lets a statistic keep any order it prepared once (e.g. rows sorted by score for average
 * precision) and makes a resample O(n).
 */
export type CountedStatistic = (counts: Int32Array) => number;

export interface BootstrapOptions {
  /** Number of resamples N (each draws n rows with replacement). */
  resamples: number;
  /** Seed of the resampling generator (mulberry32); the same seed gives the same intervals. */
  seed?: number;
  /** Coverage of the interval, in (0, 1); default 0.95. */
  level?: number;
}

export const BOOTSTRAP_DEFAULTS = { seed: 0, level: 0.95 } as const;

/**
 * Percentile bootstrap intervals: draws `resamples` samples of n rows with replacement (the same samples for every
 * statistic, so the intervals of several figures come from one set of resamples), evaluates each statistic on each
 * sample, and returns the (1 − level)/2 and (1 + level)/2 quantiles of its values (linear interpolation between order
 * statistics, numpy's default). Resamples where a statistic is not finite (e.g. mAP of a sample without any
 * positive) are left out of its quantiles.
 */
export function bootstrapIntervals<K extends string>(
  nRows: number,
  statistics: Record<K, CountedStatistic>,
  options: BootstrapOptions,
): Record<K, Interval> {
  const { resamples } = options;
  const level = options.level ?? BOOTSTRAP_DEFAULTS.level;
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new InvalidInputError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new InvalidInputError(`bootstrap level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(nRows) || nRows < 1)
    throw new InvalidInputError(`bootstrap needs at least one row to resample, got ${nRows}`);
  const names = Object.keys(statistics) as K[];
  const values = names.map(() => new Float64Array(resamples));
  const uniform = mulberry32(options.seed ?? BOOTSTRAP_DEFAULTS.seed);
  const counts = new Int32Array(nRows);
  for (let b = 0; b < resamples; b++) {
    counts.fill(0);
    for (let i = 0; i < nRows; i++) counts[Math.floor(uniform() * nRows)]++;
    names.forEach((name, s) => (values[s][b] = statistics[name](counts)));
  }
  const out = {} as Record<K, Interval>;
  names.forEach((name, s) => {
    const finite = values[s].filter(Number.isFinite).sort();
    out[name] = [quantile(finite, (1 - level) / 2), quantile(finite, (1 + level) / 2)];
  });
  return out;
}

/** The q-quantile of ascending `sorted` values, interpolating linearly between order statistics (numpy 'linear'). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = q * (n - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** Σ counts_i · x_i / Σ counts_i: the mean of per-row values (accuracy of 0/1 hits, R@K, AP) over a resample. */
export function countedMean(valuesN: ArrayLike<number>): CountedStatistic {
  return (counts) => {
    let sum = 0;
    let total = 0;
    for (let i = 0; i < valuesN.length; i++) {
      sum += counts[i] * valuesN[i];
      total += counts[i];
    }
    return total === 0 ? NaN : sum / total;
  };
}

/** Counts of 1 for every row: the data set as it is. */
export function unitCounts(n: number): Int32Array {
  return new Int32Array(n).fill(1);
}
