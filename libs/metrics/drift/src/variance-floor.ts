import { conceptOf, massFeature, rateFeature, SIGNAL_COUNT } from './feature-space';
import type { ResampleStats } from './resample-stats';
import type { SparseFrames } from './sparse-frames';

/**
 * The smallest long-run variance a feature may get, so that a feature that never moved in the reference (a concept
 * never seen, always seen, a constant signal) still has a finite scale. An activation is treated as a coin with the
 * reference's rate smoothed by `PRIOR_COUNT` pseudo-frames each way: floor p(1 − p). A mass: p times the concept's
 * mean squared weight (all concepts' when never seen). A label the reference never saw, or saw in fewer than
 * RARE_COUNT frames, is taken to have rate RARE_COUNT/n (the least the reference can tell apart from never) and to
 * be as bursty as the most persistent concept (× the largest autocorrelation time): its few sightings cannot say
 * more. So a few stray windows of a rare or new label are no change, a label that becomes common is; and the many
 * rare concepts of a large vocabulary, whose batch-mean variances rest on a handful of sightings, do not own the
 * maximum (measured: with 543 concepts they set the online threshold near 13).
 */
export const PRIOR_COUNT = 0.5;
export const RARE_COUNT = 30;
/**
 * cosine: 0.01 (a steady synthetic sound gives frames whose cosine varies by ~1e-4; a shift of its mean by 0.001 is
 * no change to anyone, and with a floor of 0.001 it raised alarms on the stack's white noise); l0: half a concept
 */
const SIGNAL_FLOOR_SD = [0.01, 0.5];

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
    const unseen = k >= this.referenceConcepts;
    // rare: fewer than RARE_COUNT sightings (fewer than a twentieth of the frames in a small reference)
    const rareCount = Math.min(RARE_COUNT, rows / 20);
    const rare = unseen || activeCount < rareCount;
    const p = rare ? Math.max(rareCount, PRIOR_COUNT) / rows : (activeCount + PRIOR_COUNT) / (rows + 2 * PRIOR_COUNT);
    const base =
      j === rateFeature(k)
        ? p * (1 - p)
        : // a rare concept's own mean square rests on a sighting or two (one faint window of rumble on the stack's
          // steady noise gave a mass floor 1e4 times too small, and its next faint window a statistic of 24.5)
          p *
          (rare ? Math.max(this.overallSquareWeight, unseen ? 0 : this.meanSquareWeight[k]) : this.meanSquareWeight[k]);
    return rare ? base * this.autocorrelationTime : base;
  }

  /** The long-run variance of feature j from a sequence's batch means, floored. */
  variance(stats: ResampleStats, j: number): number {
    const activeCount = j < SIGNAL_COUNT ? 0 : stats.sum[rateFeature(conceptOf(j))];
    return Math.max(stats.longRunVariance(j), this.of(j, activeCount, stats.rows));
  }

  /**
   * The long-run variance of feature j pooled from the reference's batch means (about their mean) and the current
   * set's (successive differences, so that a change inside the current set does not widen it), weighted by their
   * degrees of freedom; floored by the reference's floor. The current set's share guards against a reference that
   * happened to visit a scene little and so understates that scene's concepts' spread, which R alone cannot show.
   */
  pooledVariance(reference: ResampleStats, current: ResampleStats, j: number): number {
    const dfR = Math.max(0, reference.batches - 1);
    const dfC = current.successive ? Math.max(0, current.batches - 1) : 0;
    const pooled =
      dfR + dfC === 0 ? 0 : (dfR * reference.longRunVariance(j) + dfC * current.successiveVariance(j)) / (dfR + dfC);
    const activeCount = j < SIGNAL_COUNT ? 0 : reference.sum[rateFeature(conceptOf(j))];
    return Math.max(pooled, this.of(j, activeCount, reference.rows));
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
