import { describe, expect, it } from 'vitest';
import { SharedGram, SolverKernels } from './shared-gram';

describe('SolverKernels.gradient (the SIMD pass g = b − Σ w_i·G[rows_i, :])', () => {
  const setUp = (c: number) => {
    const shared = SharedGram.create(c);
    const kernels = new SolverKernels(shared, shared.allocateSlot(8), 8);
    const gram = shared.gram;
    for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) gram[i * shared.stride + j] = Math.cos(i + 2 * j);
    return { kernels, gram, stride: shared.stride };
  };

  // 0–7 support rows: the kernel's blocks of four and its one-row tail; c = 7 has a padding column.
  it.each([0, 1, 3, 4, 5, 7])('matches the sum written out, with %i support rows', (s) => {
    const c = 7;
    const { kernels, gram, stride } = setUp(c);
    const rows = [6, 0, 3, 3, 5, 1, 2].slice(0, s);
    const weights = [0.5, -1.25, 2, 0.75, 3, -0.5, 1].slice(0, s);
    kernels.rows.set(rows);
    kernels.weights.set(weights);
    const b = Array.from({ length: c }, (_, j) => j - 2.5);
    kernels.b.set(b);
    kernels.gradient(s);
    for (let j = 0; j < c; j++) {
      const expected = b[j] - rows.reduce((sum, row, i) => sum + weights[i] * gram[row * stride + j], 0);
      expect(kernels.g[j]).toBeCloseTo(expected, 13);
    }
  });
});
