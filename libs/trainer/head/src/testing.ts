import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { jsMatMul, type MatMul } from '@audio-concepts/decomposer-lasso';
import { batchLoss, type UnitRows } from './head-loss';

/**
 * A head-training problem with a known answer, for tests and benchmarks (exported as
 * `@audio-concepts/trainer-head/testing`).
 */
export const randomMatrix = (rows: number, cols: number, seed: number) => {
  const normal = gaussian(mulberry32(seed));
  return Float64Array.from({ length: rows * cols }, () => normal());
};
export const unit = (data: Float64Array, rows: number, d: number): UnitRows => {
  const out = Float64Array.from(data);
  for (let i = 0; i < rows; i++) {
    const norm = Math.hypot(...out.subarray(i * d, (i + 1) * d));
    for (let t = 0; t < d; t++) out[i * d + t] /= norm;
  }
  return { data: out, rows, d };
};

/** A random orthogonal d×d matrix (Gram–Schmidt of a Gaussian one): its inverse is its transpose. */
export function orthogonal(d: number, seed: number): Float64Array {
  const Q = randomMatrix(d, d, seed);
  for (let r = 0; r < d; r++) {
    for (let p = 0; p < r; p++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += Q[r * d + t] * Q[p * d + t];
      for (let t = 0; t < d; t++) Q[r * d + t] -= s * Q[p * d + t];
    }
    const norm = Math.hypot(...Q.subarray(r * d, (r + 1) * d));
    for (let t = 0; t < d; t++) Q[r * d + t] /= norm;
  }
  return Q;
}

/**
 * A problem with a known answer: prompts p_k at random, audio e = A·(p_y + σ·noise) with A orthogonal, so the
 * ideal head is Aᵀ and its accuracy (the ceiling) is that of the nearest prompt to p_y + σ·noise.
 */
export function knownMap(d: number, k: number, seed: number) {
  const prompts = unit(randomMatrix(k, d, seed), k, d).data;
  const A = orthogonal(d, seed + 1);
  const ideal = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let t = 0; t < d; t++) ideal[t * d + r] = A[r * d + t];
  return { d, k, prompts, A, ideal };
}

export function sampleRows(world: ReturnType<typeof knownMap>, n: number, sigma: number, seed: number) {
  const { d, k, prompts, A } = world;
  const normal = gaussian(mulberry32(seed));
  const uniform = mulberry32(seed + 1);
  const labels = Int32Array.from({ length: n }, () => Math.floor(uniform() * k));
  const audio = new Float64Array(n * d);
  const clean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) clean[t] = prompts[labels[i] * d + t] + sigma * normal();
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += A[r * d + t] * clean[t];
      audio[i * d + r] = s;
    }
  }
  return { audio, labels };
}

/** Share of rows whose nearest prompt to H·L2(e) is their class. */
export async function accuracy(
  H: Float64Array,
  audio: Float64Array,
  labels: Int32Array,
  prompts: Float64Array,
  d: number,
  matmul: MatMul = jsMatMul,
): Promise<number> {
  const n = labels.length;
  const k = prompts.length / d;
  const x = unit(audio, n, d);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const fit = await batchLoss(
    H,
    x,
    labels,
    { data: prompts, rows: k, d },
    rows,
    { objective: 'cosine', temperature: 1 },
    matmul,
  );
  return fit.correct / n;
}

/** The d×d identity: the zero-shot head. */
export function identity(d: number): Float64Array {
  const I = new Float64Array(d * d);
  for (let r = 0; r < d; r++) I[r * d + r] = 1;
  return I;
}
