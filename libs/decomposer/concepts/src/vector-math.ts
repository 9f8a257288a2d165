import { InvalidInputError } from '@audio-concepts/shared-errors';
import { checkMatrix } from './matrix.check';

/**
 * Vector kernels in the BLAS "ndarray" form: `n` elements, element i of x at `offsetX + i·strideX` (strides may be
 * negative), so they run over rows, columns or reversed views of a flat array without copying. `n ≤ 0` → empty.
 * Pattern from stdlib `@stdlib/blas/base/ddot/lib/ndarray.js`.
 */
export function dot(
  n: number,
  x: ArrayLike<number>,
  strideX: number,
  offsetX: number,
  y: ArrayLike<number>,
  strideY: number,
  offsetY: number,
): number {
  let s = 0;
  for (let i = 0, ix = offsetX, iy = offsetY; i < n; i++, ix += strideX, iy += strideY) s += x[ix] * y[iy];
  return s;
}

/**
 * Euclidean norm ‖x‖. Plain sum of squares: embeddings are O(1) values, far from float64 overflow, so the
 * scaled (LAPACK dnrm2) form is not needed.
 */
export function nrm2(n: number, x: ArrayLike<number>, strideX: number, offsetX: number): number {
  return Math.sqrt(dot(n, x, strideX, offsetX, x, strideX, offsetX));
}

/** cos(x, y) = ⟨x, y⟩ / (‖x‖‖y‖); 0 when either vector is zero (it has no direction). */
export function cosine(
  n: number,
  x: ArrayLike<number>,
  strideX: number,
  offsetX: number,
  y: ArrayLike<number>,
  strideY: number,
  offsetY: number,
): number {
  const nx = nrm2(n, x, strideX, offsetX);
  const ny = nrm2(n, y, strideY, offsetY);
  if (nx === 0 || ny === 0) return 0;
  return dot(n, x, strideX, offsetX, y, strideY, offsetY) / (nx * ny);
}

/**
 * L2rows: each row of `matrixNxD` divided by its norm, as a new float64 matrix. A row of zeros has no direction:
 * InvalidInputError naming the row and `name` (the matrix).
 */
export function l2NormalizeRows(matrixNxD: ArrayLike<number>, n: number, d: number, name: string): Float64Array {
  checkMatrix(matrixNxD, n, d, name);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const norm = nrm2(d, matrixNxD, 1, i * d);
    if (norm === 0) throw new InvalidInputError(`${name} row ${i} is all zeros: it has no direction to normalize`);
    for (let t = i * d; t < (i + 1) * d; t++) out[t] = matrixNxD[t] / norm;
  }
  return out;
}

/** mean_rows: the average of the n rows (length d). Needs n ≥ 1. */
export function meanRows(matrixNxD: ArrayLike<number>, n: number, d: number, name: string): Float64Array {
  checkMatrix(matrixNxD, n, d, name);
  if (n === 0) throw new InvalidInputError(`${name} has no rows: the mean of zero rows is undefined`);
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) out[t] += matrixNxD[i * d + t];
  for (let t = 0; t < d; t++) out[t] /= n;
  return out;
}

/** Row-wise cosine: out[i] = cos(a_i, b_i) for two n×d matrices (0 where a row is zero). */
export function cosineRows(aNxD: ArrayLike<number>, bNxD: ArrayLike<number>, n: number, d: number): Float64Array {
  checkMatrix(aNxD, n, d, 'first matrix');
  checkMatrix(bNxD, n, d, 'second matrix');
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = cosine(d, aNxD, 1, i * d, bNxD, 1, i * d);
  return out;
}

/**
 * out = Σ_j w_j · row_j of `matrixCxD` (c×d) for the weights `weights[offset … offset + c)`: Cᵀw for one row of
 * concept weights. Weights are sparse: the zeros are skipped rather than multiplied in.
 */
export function combineRows(
  out: Float64Array,
  weights: ArrayLike<number>,
  offset: number,
  matrixCxD: ArrayLike<number>,
  c: number,
  d: number,
): Float64Array {
  out.fill(0);
  for (let j = 0; j < c; j++) {
    const w = weights[offset + j];
    if (w === 0) continue;
    for (let t = 0; t < d; t++) out[t] += w * matrixCxD[j * d + t];
  }
  return out;
}
