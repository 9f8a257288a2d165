import { conceptOf, massFeature, rateFeature, SIGNAL_COUNT } from './feature-space';
import type { ResampleStats } from './resample-stats';
import type { SparseFrames } from './sparse-frames';

/**
 * The smallest long-run variance a feature may get, so that a feature that never moved in the reference (a concept
 * never seen, always seen, a constant signal) still has a finite scale. An activation is treated as a coin with the
 * reference's rate smoothed by `PRIOR_COUNT` pseudo-frames each way (a concept never seen has rate 0.5/(n+1), not
 * 0): floor p(1 − p). A mass: p times the concept's mean squared weight (all concepts' when never seen). A label the
 * reference never saw gets that floor times the reference's largest autocorrelation time: nothing says how bursty it
 * is, so it is taken to be as bursty as the most persistent concept (one or two stray windows are no change).
 */
export const PRIOR_COUNT = 0.5;
/** cosine: 0.001; l0: half a concept */
const SIGNAL_FLOOR_SD = [1e-3, 0.5];

export class VarianceFloor {
  constructor(
    /** per concept of the reference: mean squared weight where active */
    private readonly meanSquareWeight: Float64Array,
    /** mean squared weight over all concepts (for labels the reference never saw) */
    private readonly overallSquareWeight: number,
    /** labels numbered from here on were never seen in the reference */
    readonly referenceConcepts: number,
    readonly autocorrelationTime: number,
  ) {}

  /** The floor of feature j when the concept's activation sums to `activeCount` over `rows` frames. */
  of(j: number, activeCount: number, rows: number): number {
    if (j < SIGNAL_COUNT) return SIGNAL_FLOOR_SD[j] * SIGNAL_FLOOR_SD[j];
    const k = conceptOf(j);
    const p = (activeCount + PRIOR_COUNT) / (rows + 2 * PRIOR_COUNT);
    const unseen = k >= this.referenceConcepts;
    const base =
      j === rateFeature(k) ? p * (1 - p) : p * (unseen ? this.overallSquareWeight : this.meanSquareWeight[k]);
    return unseen ? base * this.autocorrelationTime : base;
  }

  /** The long-run variance of feature j from a sequence's batch means, floored. */
  variance(stats: ResampleStats, j: number): number {
    const activeCount = j < SIGNAL_COUNT ? 0 : stats.sum[rateFeature(conceptOf(j))];
    return Math.max(stats.longRunVariance(j), this.of(j, activeCount, stats.rows));
  }

  static fromReference(reference: SparseFrames, concepts: number, autocorrelationTime: number): VarianceFloor {
    const squares = new Float64Array(concepts);
    const counts = new Float64Array(concepts);
    for (let i = 0; i < reference.index.length; i++) {
      const j = reference.index[i];
      if (j < SIGNAL_COUNT || j !== massFeature(conceptOf(j))) continue;
      const k = conceptOf(j);
      squares[k] += reference.value[i] * reference.value[i];
      counts[k]++;
    }
    let total = 0;
    let count = 0;
    const meanSquare = new Float64Array(concepts);
    for (let k = 0; k < concepts; k++) {
      total += squares[k];
      count += counts[k];
      meanSquare[k] = counts[k] > 0 ? squares[k] / counts[k] : 0;
    }
    const overall = count > 0 ? total / count : 1;
    for (let k = 0; k < concepts; k++) if (counts[k] === 0) meanSquare[k] = overall;
    return new VarianceFloor(meanSquare, overall, concepts, autocorrelationTime);
  }
}
