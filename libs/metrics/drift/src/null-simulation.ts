import { mulberry32 } from '@audio-concepts/shared-random';
import { meanShortfall } from './block-plan';
import { deviationScale, ewmaEquivalentCount } from './ewma';
import { ResampleStats } from './resample-stats';
import type { SparseFrames } from './sparse-frames';
import type { VarianceFloor } from './variance-floor';

export interface NullSimulationInput {
  reference: SparseFrames;
  features: number;
  referenceMean: Float64Array;
  floor: VarianceFloor;
  /** batch length of the variance estimate */
  batch: number;
  block: number;
  /** EWMA weight of the newest frame */
  weight: number;
  /** statistic values to record (after each segment's warm-up) */
  frames: number;
  /** recorded frames per segment */
  segmentFrames: number;
  seed: number;
}

/**
 * The online statistic on data with no drift, made from the reference alone. The simulation runs in segments; each
 * segment plays one detector's life: a pseudo-reference R* (n_R frames of the reference in blocks of consecutive
 * frames, circular) gives the segment its means μ*_j and, estimated on R* exactly as on the real reference, its
 * scales s*_j; then a live stream of blocks of the reference runs through the EWMA (after a warm-up) and each
 * frame's statistic max_j |EWMA_j − μ*_j| / s*_j is recorded. So the recorded values carry the dependence between
 * concepts and between consecutive windows, the uncertainty of the reference mean, and that of the scales.
 * Returns the values and the index where each segment starts (the alarm rule restarts there).
 */
export function simulateNullStatistic(input: NullSimulationInput): { values: Float64Array; restarts: number[] } {
  const { reference, features: F, referenceMean, floor, batch, block, weight: a } = input;
  const nR = reference.rows;
  const uniform = mulberry32(input.seed);
  const star = new ResampleStats(reference, F, batch);
  // per feature: the score is |EWMA − centre| × weight, the centre being where the segment's μ* puts the reference
  // mean and the weight folding the stretch of the EWMA's distance into 1/s*
  const centre = new Float64Array(F);
  const weight = new Float64Array(F);
  const ewma = new Float64Array(F);
  const values = new Float64Array(input.frames);
  const restarts: number[] = [];
  const warmUp = Math.ceil(3 * ewmaEquivalentCount(a));
  const g = 1 - a;
  // R*'s mean and the EWMA of the live blocks vary less around the reference's mean than the reference and the live
  // EWMA do around the truth (meanShortfall); their distances from the reference mean are stretched back.
  const stretchR = 1 / Math.sqrt(meanShortfall(block, nR));
  const stretchE = 1 / Math.sqrt(meanShortfall(Math.min(block, ewmaEquivalentCount(a)), nR));
  let recorded = 0;
  let row = 0;
  let leftInBlock = 0;
  let warm = warmUp;
  ewma.set(referenceMean);
  while (recorded < input.frames) {
    star.reset();
    for (let left = nR; left > 0; left -= block) star.addBlock(Math.floor(uniform() * nR), Math.min(block, left));
    for (let j = 0; j < F; j++) {
      const shift = (star.sum[j] / nR - referenceMean[j]) * stretchR;
      centre[j] = referenceMean[j] + shift / stretchE;
      weight[j] = stretchE / deviationScale(floor.variance(star, j), a, nR);
    }
    restarts.push(recorded);
    const length = Math.min(input.segmentFrames, input.frames - recorded);
    for (let t = 0; t < warm + length; t++) {
      if (leftInBlock === 0) {
        row = Math.floor(uniform() * nR);
        leftInBlock = block;
      }
      // EWMA ← g EWMA + a x: the frame's few non-zero features first get a x / g, then every feature is scaled by g
      for (let i = reference.ptr[row], to = reference.ptr[row + 1]; i < to; i++)
        ewma[reference.index[i]] += (a / g) * reference.value[i];
      let max = 0;
      for (let j = 0; j < F; j++) {
        const e = g * ewma[j];
        ewma[j] = e;
        const d = e - centre[j];
        const s = (d < 0 ? -d : d) * weight[j];
        if (s > max) max = s;
      }
      if (t >= warm) values[recorded++] = max;
      if (++row === nR) row = 0;
      leftInBlock--;
    }
    warm = 0;
  }
  return { values, restarts };
}
