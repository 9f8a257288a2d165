import type { Matrix, MatMul } from '@audio-concepts/decomposer-lasso';

/**
 * The training objectives of the projection head H (d×d, row-major, u = H·x), for unit audio embeddings x and unit
 * class prompts p_k:
 *
 * - `cosine` (the paper's): L = 1 − cos(u, p_y), so that H·x points at its class prompt;
 * - `contrastive`: L = −log softmax_k(cos(u, p_k)/T)_y, which also pushes H·x away from the other prompts.
 *
 * Both are means over a batch of rows; the gradient with respect to H is Σ_i g_i x_iᵀ / B with g_i = ∂L_i/∂u_i.
 */
export type HeadObjective = 'cosine' | 'contrastive';
export const HEAD_OBJECTIVES: readonly HeadObjective[] = ['cosine', 'contrastive'];

/** Unit vectors, row-major: rows × d. */
export interface UnitRows {
  data: Float64Array;
  rows: number;
  d: number;
}

export interface LossSettings {
  objective: HeadObjective;
  /** softmax temperature of `contrastive` */
  temperature: number;
}

export interface BatchLoss {
  /** mean loss over the batch */
  loss: number;
  /** rows whose nearest prompt (largest cos(H·x, p_k)) is their class */
  correct: number;
}

/**
 * Loss of H on the rows `batch` of `x` (labels `labels`), and, when `gradient` is given (length d×d), the gradient
 * of the mean loss added into it. The three products (U = X·Hᵀ, U·Pᵀ and the gradient Gᵀ·X) go through `matmul`,
 * so onnxruntime's GEMM can stand in for the portable kernel; the rest is O(B·(d + k)).
 */
export async function batchLoss(
  H: Float64Array,
  x: UnitRows,
  labels: Int32Array,
  prompts: UnitRows,
  batch: ArrayLike<number>,
  settings: LossSettings,
  matmul: MatMul,
  gradient?: Float64Array,
): Promise<BatchLoss> {
  const { d } = x;
  const k = prompts.rows;
  const B = batch.length;
  if (B === 0) return { loss: 0, correct: 0 };
  const X = new Float64Array(B * d);
  for (let b = 0; b < B; b++) X.set(x.data.subarray(batch[b] * d, (batch[b] + 1) * d), b * d);
  const U = (await matmul.abt({ data: X, rows: B, cols: d }, { data: H, rows: d, cols: d })).data;
  const S = (await matmul.abt({ data: U, rows: B, cols: d }, { data: prompts.data, rows: k, cols: d })).data;
  const G = gradient ? new Float64Array(B * d) : null;
  const cos = new Float64Array(k);
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const uo = b * d;
    let norm = 0;
    for (let r = 0; r < d; r++) norm += U[uo + r] * U[uo + r];
    norm = Math.sqrt(norm);
    // H·x = 0 has no direction: no loss can be computed from it, and it cannot happen for a trained or random H
    const inverse = norm > 0 ? 1 / norm : 0;
    let best = 0;
    for (let c = 0; c < k; c++) {
      cos[c] = S[b * k + c] * inverse;
      if (cos[c] > cos[best]) best = c;
    }
    const y = labels[batch[b]];
    if (best === y) correct++;
    if (settings.objective === 'cosine') {
      loss += 1 - cos[y];
      if (!G) continue;
      // ∂(1 − cos)/∂u = −(p_y − cos·û)/‖u‖
      const yo = y * d;
      for (let r = 0; r < d; r++) G[uo + r] = -(prompts.data[yo + r] - cos[y] * U[uo + r] * inverse) * inverse;
    } else {
      const T = settings.temperature;
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, cos[c] / T);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(cos[c] / T - max);
      loss += -(cos[y] / T - max - Math.log(sum));
      if (!G) continue;
      // ∂L/∂u = Σ_c (π_c − [c = y]) (p_c − cos_c·û) / (‖u‖ T)
      for (let c = 0; c < k; c++) {
        const weight = (Math.exp(cos[c] / T - max) / sum - (c === y ? 1 : 0)) * (inverse / T);
        if (weight === 0) continue;
        const po = c * d;
        for (let r = 0; r < d; r++) G[uo + r] += weight * (prompts.data[po + r] - cos[c] * U[uo + r] * inverse);
      }
    }
  }
  if (gradient && G) {
    // ∂(mean L)/∂H = Gᵀ·X / B, as A·Bᵀ of the transposes (B×d → d×B is cheap next to the product)
    const product = (await matmul.abt(transpose(G, B, d, 1 / B), transpose(X, B, d, 1))).data;
    for (let i = 0; i < gradient.length; i++) gradient[i] += product[i];
  }
  return { loss: loss / B, correct };
}

/** The transpose of a rows×cols matrix, times `scale`. */
function transpose(values: Float64Array, rows: number, cols: number, scale: number): Matrix {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j] * scale;
  return { data: out, rows: cols, cols: rows };
}
