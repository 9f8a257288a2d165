import type { SparseFrames } from './sparse-frames';

/**
 * Sums of a sequence of frames taken from `frames` in blocks of consecutive rows (circular), with the batch means
 * that estimate each feature's long-run variance: the sequence is cut into batches of `batch` rows; σ² = batch ×
 * the variance of the batch means (batch means account for windows being alike for a while). With `successive`, the
 * squared differences of consecutive batch sums are kept too (successiveVariance). With `batch` 0 only the sums are
 * kept. Reuses its buffers: no allocation per sequence.
 */
export class ResampleStats {
  /** per feature: the sum over the sequence */
  readonly sum: Float64Array;
  /** per feature: Σ over full batches of (batch sum)², and Σ of the batch sums */
  readonly batchSquares: Float64Array;
  readonly batchSums: Float64Array;
  /** per feature: Σ over consecutive full batches of (batch sum − previous batch sum)² (with `successive`) */
  readonly successiveSquares: Float64Array;
  rows = 0;
  batches = 0;
  private readonly current: Float64Array;
  private readonly previous: Float64Array;
  private readonly touched: Int32Array;
  private readonly isTouched: Uint8Array;
  private touchedCount = 0;
  private inBatch = 0;

  constructor(
    private readonly frames: SparseFrames,
    readonly features: number,
    readonly batch: number,
    readonly successive = false,
  ) {
    this.sum = new Float64Array(features);
    this.batchSquares = new Float64Array(batch > 0 ? features : 0);
    this.batchSums = new Float64Array(batch > 0 ? features : 0);
    this.current = new Float64Array(batch > 0 ? features : 0);
    this.successiveSquares = new Float64Array(batch > 0 && successive ? features : 0);
    this.previous = new Float64Array(batch > 0 && successive ? features : 0);
    this.touched = new Int32Array(batch > 0 ? features : 0);
    this.isTouched = new Uint8Array(batch > 0 ? features : 0);
  }

  reset(): void {
    this.sum.fill(0);
    this.batchSquares.fill(0);
    this.batchSums.fill(0);
    this.successiveSquares.fill(0);
    this.rows = 0;
    this.batches = 0;
    this.dropBatch();
  }

  /** Appends rows start, start+1, … (`length` of them, wrapping around the end) to the sequence. */
  addBlock(start: number, length: number): void {
    const { frames, sum, current, touched, isTouched } = this;
    let t = start;
    if (this.batch === 0) {
      for (let r = 0; r < length; r++, t++) {
        if (t >= frames.rows) t -= frames.rows;
        for (let i = frames.ptr[t], end = frames.ptr[t + 1]; i < end; i++) sum[frames.index[i]] += frames.value[i];
      }
      this.rows += length;
      return;
    }
    for (let r = 0; r < length; r++, t++) {
      if (t >= frames.rows) t -= frames.rows;
      for (let i = frames.ptr[t], end = frames.ptr[t + 1]; i < end; i++) {
        const j = frames.index[i];
        const v = frames.value[i];
        sum[j] += v;
        current[j] += v;
        if (!isTouched[j]) {
          isTouched[j] = 1;
          touched[this.touchedCount++] = j;
        }
      }
      this.rows++;
      if (++this.inBatch === this.batch) this.closeBatch();
    }
  }

  /** The long-run variance estimate of feature j (batch × variance of the batch means); 0 with < 2 batches. */
  longRunVariance(j: number): number {
    const m = this.batches;
    if (m < 2) return 0;
    const meanOfSums = this.batchSums[j] / m;
    const variance = (this.batchSquares[j] - m * meanOfSums * meanOfSums) / (m - 1);
    return Math.max(0, variance / this.batch);
  }

  /**
   * The long-run variance of feature j from the mean squared successive difference of the batch means (von Neumann):
   * a step in the mean moves one difference, not every batch's distance from the mean. 0 with < 2 batches.
   */
  successiveVariance(j: number): number {
    const m = this.batches;
    if (m < 2 || !this.successive) return 0;
    return this.successiveSquares[j] / (2 * (m - 1)) / this.batch;
  }

  private closeBatch(): void {
    const { current, touched, batchSquares, batchSums } = this;
    for (let i = 0; i < this.touchedCount; i++) {
      const j = touched[i];
      batchSquares[j] += current[j] * current[j];
      batchSums[j] += current[j];
    }
    if (this.successive) {
      const { previous, successiveSquares } = this;
      for (let j = 0; j < this.features; j++) {
        if (this.batches > 0) successiveSquares[j] += (current[j] - previous[j]) ** 2;
        previous[j] = current[j];
      }
    }
    this.batches++;
    this.dropBatch();
  }

  private dropBatch(): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const j = this.touched[i];
      this.current[j] = 0;
      this.isTouched[j] = 0;
    }
    this.touchedCount = 0;
    this.inBatch = 0;
  }
}
