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
 * of the mean loss added into it.
 */
export function batchLoss(
  H: Float64Array,
  x: UnitRows,
  labels: Int32Array,
  prompts: UnitRows,
  batch: ArrayLike<number>,
  settings: LossSettings,
  gradient?: Float64Array,
): BatchLoss {
  const { d } = x;
  const k = prompts.rows;
  const u = new Float64Array(d);
  const cos = new Float64Array(k);
  const g = new Float64Array(d);
  let loss = 0;
  let correct = 0;
  const B = batch.length;
  for (let b = 0; b < B; b++) {
    const row = batch[b];
    const xo = row * d;
    for (let r = 0; r < d; r++) {
      let s = 0;
      const ho = r * d;
      for (let t = 0; t < d; t++) s += H[ho + t] * x.data[xo + t];
      u[r] = s;
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += u[r] * u[r];
    norm = Math.sqrt(norm);
    // H·x = 0 has no direction: no loss can be computed from it, and it cannot happen for a trained or random H
    const inverse = norm > 0 ? 1 / norm : 0;
    let best = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const po = c * d;
      for (let r = 0; r < d; r++) s += u[r] * prompts.data[po + r];
      cos[c] = s * inverse;
      if (cos[c] > cos[best]) best = c;
    }
    const y = labels[row];
    if (best === y) correct++;
    g.fill(0);
    if (settings.objective === 'cosine') {
      loss += 1 - cos[y];
      // ∂(1 − cos)/∂u = −(p_y − cos·û)/‖u‖
      const yo = y * d;
      for (let r = 0; r < d; r++) g[r] = -(prompts.data[yo + r] - cos[y] * u[r] * inverse) * inverse;
    } else {
      const T = settings.temperature;
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, cos[c] / T);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(cos[c] / T - max);
      loss += -(cos[y] / T - max - Math.log(sum));
      // ∂L/∂u = Σ_c (π_c − [c = y]) (p_c − cos_c·û) / (‖u‖ T)
      for (let c = 0; c < k; c++) {
        const weight = (Math.exp(cos[c] / T - max) / sum - (c === y ? 1 : 0)) * (inverse / T);
        if (weight === 0) continue;
        const po = c * d;
        for (let r = 0; r < d; r++) g[r] += weight * (prompts.data[po + r] - cos[c] * u[r] * inverse);
      }
    }
    if (gradient) {
      for (let r = 0; r < d; r++) {
        const gr = g[r] / B;
        if (gr === 0) continue;
        const ho = r * d;
        for (let t = 0; t < d; t++) gradient[ho + t] += gr * x.data[xo + t];
      }
    }
  }
  return { loss: B > 0 ? loss / B : 0, correct };
}
