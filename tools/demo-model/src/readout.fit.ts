/** A linear readout: scores = relu(features · weights + bias), one score per concept. */
export interface Readout {
  readonly nFeatures: number;
  readonly nConcepts: number;
  /** nFeatures × nConcepts, row-major. */
  readonly weightsFxK: Float64Array;
  readonly biasK: Float64Array;
}

/** Ridge penalty on the weights (not on the bias), relative to sums over a few hundred clips of features in ~[0, 1]. */
export const RIDGE_LAMBDA = 0.1;

/**
 * Ridge regression of `targetsNxK` on `featuresNxF` with an unpenalized bias: solves
 * (AᵀA + λ·I')·W = AᵀY with A = [F, 1] by Cholesky, in float64.
 */
export function fitReadout(
  featuresNxF: ArrayLike<number>,
  targetsNxK: ArrayLike<number>,
  n: number,
  lambda = RIDGE_LAMBDA,
): Readout {
  const f = featuresNxF.length / n;
  const k = targetsNxK.length / n;
  if (!Number.isInteger(f) || !Number.isInteger(k) || n === 0)
    throw new RangeError(
      `features (${featuresNxF.length} values) and targets (${targetsNxK.length}) do not have n = ${n} rows`,
    );
  const m = f + 1;
  const gram = new Float64Array(m * m);
  const rhs = new Float64Array(m * k);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) row[j] = featuresNxF[i * f + j];
    row[f] = 1;
    for (let a = 0; a < m; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = 0; b <= a; b++) gram[a * m + b] += ra * row[b];
      for (let c = 0; c < k; c++) rhs[a * k + c] += ra * targetsNxK[i * k + c];
    }
  }
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < a; b++) gram[b * m + a] = gram[a * m + b];
    if (a < f) gram[a * m + a] += lambda;
  }
  const solution = choleskySolve(gram, rhs, m, k);
  return {
    nFeatures: f,
    nConcepts: k,
    weightsFxK: solution.subarray(0, f * k),
    biasK: solution.subarray(f * k, m * k),
  };
}

/** Solves G·X = B for symmetric positive definite G (m×m) and B (m×k); returns X (m×k). */
function choleskySolve(g: Float64Array, b: Float64Array, m: number, k: number): Float64Array {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * m + j];
      for (let p = 0; p < j; p++) s -= l[i * m + p] * l[j * m + p];
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`ridge system is not positive definite at pivot ${i} (${s})`);
        l[i * m + i] = Math.sqrt(s);
      } else l[i * m + j] = s / l[j * m + j];
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < m; i++) {
      let s = x[i * k + c];
      for (let p = 0; p < i; p++) s -= l[i * m + p] * x[p * k + c];
      x[i * k + c] = s / l[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let p = i + 1; p < m; p++) s -= l[p * m + i] * x[p * k + c];
      x[i * k + c] = s / l[i * m + i];
    }
  }
  return x;
}

/** scores = relu(features · W + b) for n rows, as the audio tower computes them. */
export function applyReadout(readout: Readout, featuresNxF: ArrayLike<number>, n: number): Float64Array {
  const { nFeatures: f, nConcepts: k } = readout;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < k; c++) {
      let s = readout.biasK[c];
      for (let j = 0; j < f; j++) s += featuresNxF[i * f + j] * readout.weightsFxK[j * k + c];
      out[i * k + c] = Math.max(0, s);
    }
  return out;
}
