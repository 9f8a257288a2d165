import { InvalidInputError } from '@audio-concepts/shared-errors';
import { mulberry32 } from '@audio-concepts/shared-random';
import { blockPlan, meanShortfall } from './block-plan';
import { changeIndex } from './change-point';
import type { DriftFrame } from './drift-frame';
import type { ConceptChange, SignalChange } from './drift-report';
import { featureCount, massFeature, rateFeature, SIGNALS, Vocabulary } from './feature-space';
import { ResampleStats } from './resample-stats';
import { columnMeans, packFrames, type SparseFrames } from './sparse-frames';
import { VarianceFloor } from './variance-floor';

export interface OfflineDriftOptions {
  /** probability of reporting drift when both come from the same distribution (default 0.01) */
  alpha?: number;
  /** bootstrap block length in frames (default: from the reference's autocorrelation) */
  block?: number;
  /** bootstrap replicates (default 2000) */
  replicates?: number;
  seed?: number;
}

export interface OfflineDriftReport {
  drift: boolean;
  statistic: number;
  threshold: number;
  alpha: number;
  nReference: number;
  nCurrent: number;
  /** first frame of the current set attributed to the change (null without drift) */
  changeIndex: number | null;
  /** concepts with q ≤ alpha, most significant first */
  changed: ConceptChange[];
  signals: SignalChange[];
  /** how the test was run: block length, batch length of the variance estimate, replicates, τ of the reference */
  method: { block: number; batch: number; replicates: number; autocorrelationTime: number };
}

export const OFFLINE_DEFAULTS = { alpha: 0.01, replicates: 2000, seed: 1 } as const;
/** Fewer reference frames than this cannot carry a variance estimate and a bootstrap. */
export const MIN_REFERENCE_FRAMES = 20;
export const MIN_CURRENT_FRAMES = 1;

/** The plan of the two-sample test: features, scales, layout; shared by the offline report and its traces. */
export interface TwoSamplePlan {
  vocabulary: Vocabulary;
  features: number;
  reference: SparseFrames;
  current: SparseFrames;
  /** batch length of the variance estimate, bootstrap block length */
  batch: number;
  block: number;
  autocorrelationTime: number;
  floor: VarianceFloor;
  referenceMean: Float64Array;
  currentMean: Float64Array;
  /** per feature: the long-run sd σ_j pooled from the reference and the current set (floored) */
  scale: Float64Array;
  /** per feature: z_j of the current set against the reference */
  z: Float64Array;
}

export function planTwoSample(
  referenceFrames: readonly DriftFrame[],
  currentFrames: readonly DriftFrame[],
  block?: number,
): TwoSamplePlan {
  if (referenceFrames.length < MIN_REFERENCE_FRAMES)
    throw new InvalidInputError(
      `the reference has ${referenceFrames.length} frame${referenceFrames.length === 1 ? '' : 's'}; ` +
        `the drift test needs at least ${MIN_REFERENCE_FRAMES}`,
    );
  if (currentFrames.length < MIN_CURRENT_FRAMES) throw new InvalidInputError('the current set has no frames');
  const vocabulary = new Vocabulary();
  const reference = packFrames(referenceFrames, vocabulary);
  const referenceConcepts = vocabulary.size;
  const current = packFrames(currentFrames, vocabulary);
  const features = featureCount(vocabulary.size);
  const nR = reference.rows;
  const { batch, block: blockLength, autocorrelationTime } = blockPlan(reference, referenceConcepts, block);
  const floor = VarianceFloor.fromReference(reference, referenceConcepts, autocorrelationTime);
  const stats = new ResampleStats(reference, features, batch);
  stats.addBlock(0, nR);
  const currentStats = new ResampleStats(current, features, batch, true);
  currentStats.addBlock(0, current.rows);
  const referenceMean = new Float64Array(features);
  const scale = new Float64Array(features);
  for (let j = 0; j < features; j++) {
    referenceMean[j] = stats.sum[j] / nR;
    scale[j] = Math.sqrt(floor.pooledVariance(stats, currentStats, j));
  }
  const currentMean = columnMeans(current, features);
  const z = new Float64Array(features);
  const spread = Math.sqrt(1 / nR + 1 / current.rows);
  for (let j = 0; j < features; j++) z[j] = (currentMean[j] - referenceMean[j]) / (scale[j] * spread);
  return {
    vocabulary,
    features,
    reference,
    current,
    batch,
    block: blockLength,
    autocorrelationTime,
    floor,
    referenceMean,
    currentMean,
    scale,
    z,
  };
}

/**
 * Reference R vs current C: is C drawn from R's distribution? Every concept's activation rate and mass and the two
 * signals are compared with z_j = (mean_C − mean_R)/(σ_j √(1/n_R + 1/n_C)), σ_j the long-run sd pooled from R's
 * batch means and C's successive batch-mean differences (VarianceFloor.pooledVariance); the statistic is
 * max_j |z_j|. Its null distribution comes from a moving-block bootstrap of R (whole frames, blocks of consecutive
 * frames, circular) that re-estimates σ_j in every replicate the way it was estimated on R and C (a studentized
 * bootstrap: the replicates carry the uncertainty of σ_j, so the level holds for modest references).
 * q_j (Westfall–Young single-step max-T) = (1 + #{T* ≥ |z_j|})/(B + 1): valid under any dependence between features.
 */
export function offlineDrift(
  referenceFrames: readonly DriftFrame[],
  currentFrames: readonly DriftFrame[],
  options: OfflineDriftOptions = {},
): OfflineDriftReport {
  const alpha = options.alpha ?? OFFLINE_DEFAULTS.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidInputError(`alpha must be between 0 and 1 (exclusive), got ${alpha}`);
  const replicates = options.replicates ?? OFFLINE_DEFAULTS.replicates;
  if (!Number.isInteger(replicates) || replicates < 1)
    throw new InvalidInputError(`replicates must be an integer ≥ 1, got ${replicates}`);
  const plan = planTwoSample(referenceFrames, currentFrames, options.block);
  const nullMax = bootstrapMaxima(plan, replicates, options.seed ?? OFFLINE_DEFAULTS.seed);
  nullMax.sort();
  const z = plan.z;
  const qOf = (absZ: number) => (1 + countAtLeast(nullMax, absZ)) / (replicates + 1);
  let statistic = 0;
  for (let j = 0; j < plan.features; j++) statistic = Math.max(statistic, Math.abs(z[j]));
  const threshold = nullMax[Math.min(replicates - 1, Math.ceil((1 - alpha) * (replicates + 1)) - 1)];
  const drift = statistic > threshold;

  const { vocabulary, referenceMean: mR, currentMean: mC } = plan;
  const concepts: (ConceptChange & { z: number })[] = [];
  const changedFeatures: number[] = [];
  for (let k = 0; k < vocabulary.size; k++) {
    const r = rateFeature(k);
    const m = massFeature(k);
    const qRate = qOf(Math.abs(z[r]));
    const qMass = qOf(Math.abs(z[m]));
    if (qRate <= alpha) changedFeatures.push(r);
    if (qMass <= alpha) changedFeatures.push(m);
    const q = Math.min(qRate, qMass);
    if (q > alpha) continue;
    concepts.push({
      label: vocabulary.labels[k],
      referenceRate: mR[r],
      currentRate: mC[r],
      referenceMass: mR[m],
      currentMass: mC[m],
      q,
      z: Math.max(Math.abs(z[r]), Math.abs(z[m])),
    });
  }
  concepts.sort((a, b) => a.q - b.q || b.z - a.z || a.label.localeCompare(b.label));
  const signals: SignalChange[] = SIGNALS.map((name, j) => {
    const q = qOf(Math.abs(z[j]));
    if (q <= alpha) changedFeatures.push(j);
    return { name, referenceMean: mR[j], currentMean: mC[j], q, changed: q <= alpha };
  });
  return {
    drift,
    statistic,
    threshold,
    alpha,
    nReference: plan.reference.rows,
    nCurrent: plan.current.rows,
    changeIndex: drift && changedFeatures.length > 0 ? changeIndex(plan, changedFeatures).index : null,
    changed: concepts.map(({ z: _z, ...change }) => change),
    signals,
    method: {
      block: plan.block,
      batch: plan.batch,
      replicates,
      autocorrelationTime: plan.autocorrelationTime,
    },
  };
}

/**
 * The null distribution of T: per replicate, R* and C* drawn from R in blocks of consecutive frames (circular),
 * σ*_j re-estimated on R* and C* exactly as σ_j was on R and C (a studentized bootstrap: the replicates carry the noise of σ_j),
 * T* = max_j |mean_C*,j − mean_R*,j| / (σ*_j √(1/n_R + 1/n_C)). Both means' distances from R's mean are stretched
 * by 1/√(1 − block/n_R) (meanShortfall).
 */
function bootstrapMaxima(plan: TwoSamplePlan, replicates: number, seed: number): Float64Array {
  const { reference, features, floor, batch, block } = plan;
  const nR = reference.rows;
  const nC = plan.current.rows;
  const uniform = mulberry32(seed);
  const starR = new ResampleStats(reference, features, batch);
  const starC = new ResampleStats(reference, features, batch, true);
  const noise = Math.sqrt(1 / nR + 1 / nC);
  const stretch = 1 / Math.sqrt(meanShortfall(block, nR));
  const maxima = new Float64Array(replicates);
  for (let b = 0; b < replicates; b++) {
    for (const [stats, rows] of [
      [starR, nR],
      [starC, nC],
    ] as const) {
      stats.reset();
      for (let left = rows; left > 0; left -= block) stats.addBlock(Math.floor(uniform() * nR), Math.min(block, left));
    }
    let max = 0;
    for (let j = 0; j < features; j++) {
      const diff = (starC.sum[j] / nC - starR.sum[j] / nR) * stretch;
      const z = Math.abs(diff) / (Math.sqrt(floor.pooledVariance(starR, starC, j)) * noise);
      if (z > max) max = z;
    }
    maxima[b] = max;
  }
  return maxima;
}

/** Number of values ≥ x in an ascending array. */
function countAtLeast(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length - lo;
}
