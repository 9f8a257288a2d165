import { InvalidInputError } from '@audio-concepts/shared-errors';
import { largestIntegratedTime } from './autocorrelation';
import type { SparseFrames } from './sparse-frames';

/** A variance batch is this many times the reference's largest autocorrelation time. */
export const BATCH_PER_TAU = 4;
/** A bootstrap block holds this many batches. */
export const BLOCK_BATCHES = 4;
/** The batch leaves at least this many batches in the reference. */
const MIN_BATCHES = 10;

export interface BlockPlan {
  /** batch length of the long-run variance estimate, and the bootstrap block length */
  batch: number;
  block: number;
  /** the largest integrated autocorrelation time τ among the reference's informative features (autocorrelation.ts) */
  autocorrelationTime: number;
}

/**
 * Batches of ⌈4τ⌉ frames (at most a tenth of the reference, so there are ≥ 10), blocks of 4 batches (at most the
 * reference). A block given by the user sets the batch to a quarter of it. (Measured on the scene world: blocks of
 * 2τ let the false alarms of the offline test run at 3–10× alpha; 16τ, with the corrections of meanShortfall,
 * keep them within ±30 %.)
 */
export function blockPlan(reference: SparseFrames, concepts: number, block?: number): BlockPlan {
  const n = reference.rows;
  const autocorrelationTime = largestIntegratedTime(reference, concepts);
  const maxBatch = Math.max(1, Math.floor(n / MIN_BATCHES));
  if (block === undefined) {
    const batch = Math.min(maxBatch, Math.max(1, Math.ceil(BATCH_PER_TAU * autocorrelationTime)));
    return { batch, block: Math.min(n, batch * BLOCK_BATCHES), autocorrelationTime };
  }
  if (!Number.isInteger(block) || block < 1 || block > n)
    throw new InvalidInputError(`block must be an integer from 1 to the reference's ${n} frames, got ${block}`);
  return { batch: Math.min(maxBatch, Math.max(1, Math.floor(block / BLOCK_BATCHES))), block, autocorrelationTime };
}

/**
 * Means of frames drawn from the reference in blocks vary around the reference's own mean, which they partly make
 * up, not around the process's: the variance of a mean over blocks of `length` falls short by about 1 − length/n
 * (the moving-block bootstrap's finite-sample bias). Distances from the reference mean in the bootstrap are divided
 * by the square root of this to undo it.
 */
export function meanShortfall(length: number, rows: number): number {
  return Math.max(0.05, 1 - length / rows);
}
