import { describe, expect, it } from 'vitest';
import { nativeKernels, type KernelBackend } from './kernel-backend';
import { SharedGram, SolverKernels } from './shared-gram';

const nativeBuilt = 'addon' in nativeKernels();
// Both kernel backends; the native one where the build compiled it (the first test checks that CI did).
const backends: KernelBackend[] = nativeBuilt ? ['webassembly', 'native'] : ['webassembly'];

describe('the native kernels', () => {
  // CI installs gcc, so there the native cases below must run rather than be skipped.
  it.runIf(process.env.CI)('were built (CI)', () => {
    expect(nativeKernels()).toHaveProperty('addon');
  });

  it.runIf(nativeBuilt)('throw a RangeError, not a crash, for an offset outside the shared memory', () => {
    const shared = SharedGram.create(4);
    const kernels = new SolverKernels(shared, shared.allocateSlot(2), 2, 'native');
    kernels.rows.set([1 << 20]);
    expect(() => kernels.gradient(1)).toThrow(RangeError);
    expect(() => kernels.gradient(1)).toThrow(
      /gradient\(stride, gram, rows, w, s, b, g\): an offset or size lies outside/,
    );
    kernels.rows.set([3]);
    expect(() => kernels.gradient(-1)).toThrow(RangeError);
    kernels.gradient(1); // in range again: the kernel still works
  });
});

describe.each(backends)('SolverKernels.gradient on %s kernels', (backend) => {
  const setUp = (c: number) => {
    const shared = SharedGram.create(c);
    const kernels = new SolverKernels(shared, shared.allocateSlot(8), 8, backend);
    const gram = shared.gram;
    for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) gram[i * shared.stride + j] = Math.cos(i + 2 * j);
    return { kernels, gram, stride: shared.stride };
  };

  // 0–7 support rows: the kernel's blocks of four and its one-row tail; c = 7 has a padding column, and c = 37 has
  // vector steps and a tail at every SIMD width.
  it
    .skipIf(backend === 'native' && !nativeBuilt)
    .each([0, 1, 3, 4, 5, 7].flatMap((s) => [7, 37].map((c) => [s, c] as const)))(
    'matches the sum written out, with %i support rows of %i concepts',
    (s, c) => {
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
    },
  );
});
