/**
 * The alarm rule, the same live and in calibration: an alarm starts when the statistic exceeds the threshold h; it
 * ends (a recovery) once the statistic has stayed below h × recoveryRatio for `hold` frames in a row (the detector
 * uses its half-life), so that a change the statistic hovers over gives one alarm, not a stream of them.
 */
export const RECOVERY_RATIO = 0.8;

/** Frames the statistic must stay below the recovery level before a recovery: the half-life, rounded up. */
export function recoveryHold(halfLifeWindows: number): number {
  return Math.max(1, Math.ceil(halfLifeWindows));
}

/** Alarm onsets of the rule over `values`, restarted (no alarm) at each index in `restarts`. */
export function countOnsets(
  values: Float64Array,
  restarts: readonly number[],
  threshold: number,
  ratio: number,
  hold: number,
): number {
  const low = threshold * ratio;
  let onsets = 0;
  let alarm = false;
  let below = 0;
  let next = 0;
  for (let t = 0; t < values.length; t++) {
    if (next < restarts.length && restarts[next] === t) {
      alarm = false;
      next++;
    }
    const s = values[t];
    if (!alarm) {
      if (s > threshold) {
        alarm = true;
        below = 0;
        onsets++;
      }
    } else if (s < low) {
      if (++below >= hold) alarm = false;
    } else below = 0;
  }
  return onsets;
}
