import { mulberry32 as rng } from '@audio-concepts/shared-random';
import { AudioConceptsError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { type Matrix, jsMatMul } from '@audio-concepts/decomposer-lasso';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type OrtMatMul, createOrtMatMul } from './ort-matmul';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const r = rng(seed);
  return { data: Float64Array.from({ length: rows * cols }, () => 2 * r() - 1), rows, cols };
}

/** The textbook triple loop, and alongside each entry Σ|a·b|, the scale its rounding error is relative to. */
function reference(a: Matrix, b: Matrix): { values: Float64Array; scale: Float64Array } {
  const m = a.rows;
  const n = b.rows;
  const k = a.cols;
  const values = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let t = 0; t < k; t++) {
        const p = a.data[i * k + t] * b.data[j * k + t];
        s += p;
        abs += Math.abs(p);
      }
      values[i * n + j] = s;
      scale[i * n + j] = abs;
    }
  return { values, scale };
}

/** Asserts `got` equals A·Bᵀ within 1e-12 relative to Σ|a·b| per entry. */
function expectProduct(got: Matrix, a: Matrix, b: Matrix): void {
  expect(got.rows).toBe(a.rows);
  expect(got.cols).toBe(b.rows);
  expect(got.data).toBeInstanceOf(Float64Array);
  expect(got.data.length).toBe(a.rows * b.rows);
  const { values, scale } = reference(a, b);
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const err = Math.abs(got.data[i] - values[i]) / Math.max(scale[i], Number.MIN_VALUE);
    if (!(err <= worst)) worst = err; // also catches NaN
  }
  expect(worst).toBeLessThanOrEqual(1e-12);
}

describe('createOrtMatMul', () => {
  let mm: OrtMatMul;
  beforeAll(async () => {
    mm = await createOrtMatMul({ threads: 2 });
  });
  afterAll(async () => {
    await mm.close();
  });

  it('is named after the backend and reports its thread count', () => {
    expect(mm.name).toBe('onnxruntime-cpu');
    expect(mm.threads).toBe(2);
  });

  it.each([
    // [m, n, k]
    [1, 1, 1],
    [1, 9, 1],
    [6, 3, 1],
    [1, 1, 13],
    [1, 17, 5],
    [9, 1, 7],
    [3, 5, 7],
    [13, 11, 17],
    [4, 8, 16],
    [33, 65, 129],
    [257, 130, 67],
    [101, 203, 515],
  ])('A [%i×k] · B [%i×k]ᵀ, k = %i, matches the triple loop', async (m, n, k) => {
    const a = randomMatrix(m, k, 1000 * m + k);
    const b = randomMatrix(n, k, 7000 * n + k);
    expectProduct(await mm.abt(a, b), a, b);
  });

  it('computes a Gram matrix C·Cᵀ, symmetric as computed', async () => {
    const c = randomMatrix(70, 33, 5);
    const g = await mm.abt(c, c);
    expectProduct(g, c, c);
    for (let i = 0; i < 70; i++)
      for (let j = 0; j < i; j++) expect(g.data[i * 70 + j]).toBeCloseTo(g.data[j * 70 + i], 14);
  });

  it.each([
    [0, 4, 3],
    [4, 0, 3],
    [0, 0, 5],
    [0, 0, 0],
  ])('returns an empty %i×%i result for k = %i without running onnxruntime', async (m, n, k) => {
    const got = await mm.abt(randomMatrix(m, k, 1), randomMatrix(n, k, 2));
    expect(got).toEqual({ data: new Float64Array(0), rows: m, cols: n });
  });

  it('returns zeros when k = 0', async () => {
    const got = await mm.abt(randomMatrix(3, 0, 1), randomMatrix(2, 0, 2));
    expect(got).toEqual({ data: new Float64Array(6), rows: 3, cols: 2 });
  });

  it('handles a large (2000×2000) output', async () => {
    const a = randomMatrix(2000, 24, 11);
    const b = randomMatrix(2000, 24, 12);
    const got = await mm.abt(a, b);
    expectProduct(got, a, b);
    expect(got.data.buffer.byteLength).toBeGreaterThanOrEqual(2000 * 2000 * 8);
  });

  it('agrees with jsMatMul from @audio-concepts/decomposer-lasso', async () => {
    const z = randomMatrix(37, 211, 21);
    const c = randomMatrix(150, 211, 22);
    const [got, js] = await Promise.all([mm.abt(z, c), jsMatMul.abt(z, c)]);
    expect(got.rows).toBe(js.rows);
    expect(got.cols).toBe(js.cols);
    const { scale } = reference(z, c);
    for (let i = 0; i < js.data.length; i++)
      expect(Math.abs(got.data[i] - js.data[i])).toBeLessThanOrEqual(1e-12 * scale[i]);
  });

  it('reads operands that are views into a larger buffer', async () => {
    const backing = randomMatrix(1, 3 + 5 * 7 + 4 * 7, 31).data;
    const a: Matrix = { data: backing.subarray(3, 3 + 35), rows: 5, cols: 7 };
    const b: Matrix = { data: backing.subarray(38, 38 + 28), rows: 4, cols: 7 };
    expectProduct(await mm.abt(a, b), a, b);
  });

  it('serves concurrent calls', async () => {
    const pairs = [1, 2, 3, 4, 5, 6].map(
      (s) => [randomMatrix(20 + s, 40, s), randomMatrix(30 - s, 40, 100 + s)] as const,
    );
    const results = await Promise.all(pairs.map(([a, b]) => mm.abt(a, b)));
    results.forEach((got, i) => expectProduct(got, pairs[i][0], pairs[i][1]));
  });

  it('rejects operands with different column counts, naming both shapes', async () => {
    const err = await mm.abt(randomMatrix(2, 3, 1), randomMatrix(4, 5, 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeMismatchError);
    expect((err as Error).message).toContain('[2, 3]');
    expect((err as Error).message).toContain('[4, 5]');
  });

  it('rejects data that does not fill the stated shape', async () => {
    const bad: Matrix = { data: new Float64Array(5), rows: 2, cols: 3 };
    await expect(mm.abt(bad, randomMatrix(2, 3, 1))).rejects.toThrow(ShapeMismatchError);
    await expect(mm.abt(randomMatrix(2, 3, 1), bad)).rejects.toThrow(/B has 5 values.*\[2, 3\]/);
  });

  it('wraps onnxruntime failures in AudioConceptsError with the cause', async () => {
    const boom = new Error('boom');
    // ort.InferenceSession is typed as a factory, but at runtime it is the class every session is made from.
    const sessionClass = ort.InferenceSession as unknown as { prototype: ort.InferenceSession };
    const spy = vi.spyOn(sessionClass.prototype, 'run').mockRejectedValueOnce(boom);
    try {
      const err = await mm.abt(randomMatrix(2, 3, 1), randomMatrix(2, 3, 2)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AudioConceptsError);
      expect((err as Error).message).toMatch(/onnxruntime Gemm failed.*boom/);
      expect((err as Error).cause).toBe(boom);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createOrtMatMul options and lifecycle', () => {
  it('defaults to one thread per available core', async () => {
    const { availableParallelism } = await import('node:os');
    const mm = await createOrtMatMul();
    try {
      expect(mm.threads).toBe(availableParallelism());
      const a = randomMatrix(5, 4, 1);
      expectProduct(await mm.abt(a, a), a, a);
    } finally {
      await mm.close();
    }
  });

  it('rejects a non-positive thread count', async () => {
    await expect(createOrtMatMul({ threads: 0 })).rejects.toThrow(AudioConceptsError);
  });

  it('refuses work after close(), which is idempotent', async () => {
    const mm = await createOrtMatMul({ threads: 1 });
    await mm.close();
    await mm.close();
    await expect(mm.abt(randomMatrix(2, 2, 1), randomMatrix(2, 2, 2))).rejects.toThrow(/closed/);
  });
});
