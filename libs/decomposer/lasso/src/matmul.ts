import type { Matrix } from './matrix';

/**
 * The two large products of a batch solve, the Gram matrix C·Cᵀ and the correlations Z·Cᵀ, go through this
 * port so a fast kernel (onnxruntime's MLAS GEMM, see `@audio-concepts/decomposer-onnx-matmul`) can stand in
 * for the portable one below.
 */
export interface MatMul {
  readonly name: string;
  /** Returns A·Bᵀ (a.rows × b.rows) for A (m×k) and B (n×k). */
  abt(a: Matrix, b: Matrix): Promise<Matrix>;
}

/** Portable A·Bᵀ in plain TypeScript: both operands are read along rows, so no transpose is needed. */
export const jsMatMul: MatMul = {
  name: 'js',
  async abt(a: Matrix, b: Matrix): Promise<Matrix> {
    return abtSync(a, b);
  },
};

export function abtSync(a: Matrix, b: Matrix): Matrix {
  const { rows: m, cols: k } = a;
  const n = b.rows;
  const out = new Float64Array(m * n);
  const A = a.data;
  const B = b.data;
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t = 0;
      for (; t + 3 < k; t += 4) {
        s0 += A[ai + t] * B[bj + t];
        s1 += A[ai + t + 1] * B[bj + t + 1];
        s2 += A[ai + t + 2] * B[bj + t + 2];
        s3 += A[ai + t + 3] * B[bj + t + 3];
      }
      for (; t < k; t++) s0 += A[ai + t] * B[bj + t];
      out[i * n + j] = s0 + s1 + s2 + s3;
    }
  }
  return { data: out, rows: m, cols: n };
}
