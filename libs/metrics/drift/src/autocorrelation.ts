import { featureCount, massFeature, rateFeature, SIGNAL_COUNT } from './feature-space';
import { columnSeries, type SparseFrames } from './sparse-frames';

/**
 * Integrated autocorrelation time τ = 1 + 2 Σ_k ρ_k of a series (1 for independent values; a series whose values
 * stay alike for runs of ~L windows has τ ≈ 2L). The sum stops at Sokal's automatic window: the first lag M with
 * M ≥ 5 τ(M) (or n/4), where the estimated ρ_k are still mostly signal rather than noise.
 */
export function integratedTime(series: Float64Array): number {
  const n = series.length;
  if (n < 4) return 1;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += series[t];
  mean /= n;
  const x = series.map((v) => v - mean);
  let gamma0 = 0;
  for (let t = 0; t < n; t++) gamma0 += x[t] * x[t];
  if (!(gamma0 > 0)) return 1;
  let tau = 1;
  const maxLag = Math.floor(n / 4);
  for (let k = 1; k <= maxLag; k++) {
    let c = 0;
    for (let t = k; t < n; t++) c += x[t] * x[t - k];
    tau += (2 * c) / gamma0;
    if (k >= 5 * tau) break;
  }
  return Math.max(1, tau);
}

/** At most this many concepts (the most evenly split: neither rare nor always there) are used to choose blocks. */
const INFORMATIVE_CONCEPTS = 32;
/** A concept is informative when it is present and absent in at least this many frames each. */
const MIN_SPLIT = 20;

/**
 * The largest integrated autocorrelation time among the informative features of the reference: the two signals
 * and the activations and masses of its (up to 32) most evenly split concepts that are present and absent in at
 * least 20 frames each. Rare concepts are left out: their τ estimates are mostly noise.
 */
export function largestIntegratedTime(frames: SparseFrames, concepts: number): number {
  const counts = new Float64Array(featureCount(concepts));
  for (let i = 0; i < frames.index.length; i++) if (frames.value[i] > 0) counts[frames.index[i]]++;
  const candidates: { concept: number; split: number }[] = [];
  for (let k = 0; k < concepts; k++) {
    const present = counts[rateFeature(k)];
    const split = Math.min(present, frames.rows - present);
    if (split >= MIN_SPLIT) candidates.push({ concept: k, split });
  }
  candidates.sort((a, b) => b.split - a.split || a.concept - b.concept);
  const features: number[] = [];
  for (let j = 0; j < SIGNAL_COUNT; j++) features.push(j);
  for (const { concept } of candidates.slice(0, INFORMATIVE_CONCEPTS))
    features.push(rateFeature(concept), massFeature(concept));
  let largest = 1;
  for (const j of features) largest = Math.max(largest, integratedTime(columnSeries(frames, j)));
  return largest;
}
