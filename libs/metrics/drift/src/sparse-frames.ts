import type { DriftFrame } from './drift-frame';
import { massFeature, rateFeature, SIGNAL_COUNT, type Vocabulary } from './feature-space';

/**
 * Frames as sparse rows of features (CSR): row t holds `index[ptr[t]..ptr[t+1])` with `value`s. The signals are in
 * every row; a concept's activation and mass only where it is active. Memory O(frames × active concepts).
 */
export interface SparseFrames {
  rows: number;
  ptr: Int32Array;
  index: Int32Array;
  value: Float64Array;
}

/** Packs frames; labels not in `vocabulary` are added to it (so the feature count is read after packing). */
export function packFrames(frames: readonly DriftFrame[], vocabulary: Vocabulary): SparseFrames {
  let nonZero = 0;
  for (const f of frames) nonZero += SIGNAL_COUNT + 2 * f.concepts.length;
  const ptr = new Int32Array(frames.length + 1);
  const index = new Int32Array(nonZero);
  const value = new Float64Array(nonZero);
  let at = 0;
  frames.forEach((f, t) => {
    index[at] = 0;
    value[at++] = f.cosine;
    index[at] = 1;
    value[at++] = f.l0;
    for (const c of f.concepts) {
      if (!(c.weight > 0)) continue;
      const k = vocabulary.add(c.label);
      index[at] = rateFeature(k);
      value[at++] = 1;
      index[at] = massFeature(k);
      value[at++] = c.weight;
    }
    ptr[t + 1] = at;
  });
  return { rows: frames.length, ptr, index: index.subarray(0, at), value: value.subarray(0, at) };
}

/** Adds row t of `frames` (times `scale`) into the dense `sums`. */
export function addRow(frames: SparseFrames, t: number, sums: Float64Array, scale = 1): void {
  for (let i = frames.ptr[t], end = frames.ptr[t + 1]; i < end; i++) sums[frames.index[i]] += scale * frames.value[i];
}

/** Column means over all rows (dense, length `features`). */
export function columnMeans(frames: SparseFrames, features: number): Float64Array {
  const sums = new Float64Array(features);
  for (let t = 0; t < frames.rows; t++) addRow(frames, t, sums);
  for (let j = 0; j < features; j++) sums[j] /= Math.max(1, frames.rows);
  return sums;
}

/** Row t of the matrix as a dense column j series (a copy, length `rows`). */
export function columnSeries(frames: SparseFrames, feature: number): Float64Array {
  const out = new Float64Array(frames.rows);
  for (let t = 0; t < frames.rows; t++)
    for (let i = frames.ptr[t], end = frames.ptr[t + 1]; i < end; i++)
      if (frames.index[i] === feature) out[t] = frames.value[i];
  return out;
}
