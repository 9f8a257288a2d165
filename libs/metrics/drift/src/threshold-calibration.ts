import { countOnsets } from './alarm-rule';

/** Fewer simulated alarms than this at the chosen threshold: the threshold is extrapolated from lower ones. */
export const MIN_CALIBRATION_ONSETS = 30;

export interface ThresholdCalibration {
  threshold: number;
  /** simulated onsets at the threshold */
  onsets: number;
  extrapolated: boolean;
}

/**
 * The threshold h whose alarm onsets (alarm-rule.ts) on the simulated null statistic come at `onsetsPerFrame`.
 * Where that is fewer than 30 onsets in the simulation, the levels for 240, 120, 60 and 30 onsets are found and
 * log(onsets) is fitted as a line in h² (the tail of a maximum of near-Gaussian scores) to reach the target.
 */
export function calibrateThreshold(
  values: Float64Array,
  restarts: readonly number[],
  onsetsPerFrame: number,
  recoveryRatio: number,
  hold: number,
): ThresholdCalibration {
  const target = onsetsPerFrame * values.length;
  let top = 0;
  for (let t = 0; t < values.length; t++) top = Math.max(top, values[t]);
  /** the lowest h with at most `count` onsets */
  const levelFor = (count: number): number => {
    let lo = 0;
    let hi = top + 1e-9;
    for (let i = 0; i < 60 && hi - lo > 1e-9 * hi; i++) {
      const mid = (lo + hi) / 2;
      if (countOnsets(values, restarts, mid, recoveryRatio, hold) <= count) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  if (target >= MIN_CALIBRATION_ONSETS) {
    const threshold = levelFor(Math.floor(target));
    return { threshold, onsets: countOnsets(values, restarts, threshold, recoveryRatio, hold), extrapolated: false };
  }
  const counts = [8, 4, 2, 1].map((m) => m * MIN_CALIBRATION_ONSETS);
  const points = counts.map((c) => {
    const h = levelFor(c);
    return { h2: h * h, log: Math.log(Math.max(1, countOnsets(values, restarts, h, recoveryRatio, hold))) };
  });
  const mh = points.reduce((s, p) => s + p.h2, 0) / points.length;
  const ml = points.reduce((s, p) => s + p.log, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.h2 - mh) * (p.log - ml), 0);
  const sxx = points.reduce((s, p) => s + (p.h2 - mh) ** 2, 0);
  const slope = sxx > 0 ? sxy / sxx : 0;
  const highest = Math.sqrt(points[points.length - 1].h2);
  const threshold = slope < 0 ? Math.sqrt(Math.max(highest ** 2, mh + (Math.log(target) - ml) / slope)) : top * 1.05;
  return { threshold, onsets: countOnsets(values, restarts, threshold, recoveryRatio, hold), extrapolated: true };
}

/** The null distribution's upper tail: levels exceeded by 1/2, 1/4, … of the values (down to one value). */
export function nullTail(values: Float64Array): { levels: number[]; exceedance: number[] } {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const levels: number[] = [];
  const exceedance: number[] = [];
  for (let p = 0.5; p * n >= 1; p /= 2) {
    levels.push(sorted[Math.min(n - 1, Math.ceil(n * (1 - p)))]);
    exceedance.push(p);
  }
  return { levels, exceedance };
}

/**
 * Share of null frames whose statistic is ≥ x, read from the tail (log-linear between levels; 1 at 0; the smallest
 * tabulated share beyond the last level, as nothing rarer was simulated).
 */
export function nullShare(tail: { levels: number[]; exceedance: number[] }, x: number): number {
  const { levels, exceedance } = tail;
  if (!(x > 0)) return 1;
  if (x <= levels[0]) return 1 - (1 - exceedance[0]) * (x / levels[0]);
  for (let i = 1; i < levels.length; i++) {
    if (x <= levels[i]) {
      const span = levels[i] - levels[i - 1];
      const f = span > 0 ? (x - levels[i - 1]) / span : 1;
      return Math.exp(Math.log(exceedance[i - 1]) + f * (Math.log(exceedance[i]) - Math.log(exceedance[i - 1])));
    }
  }
  return exceedance[exceedance.length - 1];
}

/**
 * The level one standard-normal score exceeds (either way) with probability `p` per frame: the least threshold a
 * reference may get. A reference that hardly varies (a steady synthetic sound: the same concepts every window)
 * gives a simulated null of almost nothing, whose calibrated threshold is near 0 in units of the variance floors;
 * then the least wobble would alarm. Deviations are measured in units of the floored variances, so at least this
 * level holds the setting for a single feature with that variance (and is conservative for the EWMA's correlated
 * frames).
 */
export function gaussianLevel(p: number): number {
  return -normalQuantile(Math.min(0.5, Math.max(1e-300, p / 2)));
}

/** Φ⁻¹(p) for 0 < p ≤ 0.5 (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
