/** Weight of the newest value in a running mean (EWMA) whose old values count half after `halfLife` values. */
export function ewmaWeight(halfLife: number): number {
  return 1 - Math.pow(2, -1 / halfLife);
}

/** The number of independent values whose mean has the EWMA's variance: (2 − a)/a. */
export function ewmaEquivalentCount(weight: number): number {
  return (2 - weight) / weight;
}

/**
 * Scale of (EWMA − reference mean) for a feature of long-run variance σ²: the EWMA's own variance, about σ²/L with
 * L its equivalent count, plus the reference mean's, σ²/n. Calibration measures how the maximum over features of
 * these scores behaves; the scale only has to be computed the same way on the reference and in the simulation.
 */
export function deviationScale(longRunVariance: number, weight: number, referenceRows: number): number {
  return Math.sqrt(longRunVariance * (1 / ewmaEquivalentCount(weight) + 1 / referenceRows));
}
