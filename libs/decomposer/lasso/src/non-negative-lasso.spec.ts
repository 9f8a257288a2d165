import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, readNpySync } from '@audio-concepts/shared-npy';
import { LassoDictionary } from './dictionary';
import { KERNELS_ENV, nativeKernels, type KernelBackend } from './kernel-backend';
import { NonNegativeLasso } from './non-negative-lasso';
import { checkOptimality } from './optimality';
import { randomProblem } from './__fixtures__/random-problem';

const FIXTURES = join(__dirname, '__fixtures__', 'lasso');
/** Tolerances of the acceptance bar. */
const OBJECTIVE_RTOL = 1e-6;
const KKT_TOL = 1e-5;
const SUPPORT_WEIGHT_FLOOR = 1e-6;

const solvers: NonNegativeLasso[] = [];
afterAll(async () => Promise.all(solvers.map((s) => s.close())));

async function solverFor(
  C: Float64Array,
  c: number,
  d: number,
  threads = 1,
  kernels?: KernelBackend,
): Promise<NonNegativeLasso> {
  const solver = new NonNegativeLasso(await LassoDictionary.create(C, c, d), { threads, kernels });
  solvers.push(solver);
  return solver;
}

function row(m: Float64Array, i: number, width: number): Float64Array {
  return m.subarray(i * width, (i + 1) * width);
}

/** 2·max_j ⟨C_j, z⟩: the smallest λ with an all-zero solution. */
function lambdaMax(C: Float64Array, c: number, d: number, z: Float64Array): number {
  let best = -Infinity;
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += C[j * d + t] * z[t];
    best = Math.max(best, s);
  }
  return 2 * best;
}

// Both kernel backends; the native one where the build compiled it (shared-gram.spec checks that CI did).
const backends: KernelBackend[] = 'addon' in nativeKernels() ? ['webassembly', 'native'] : ['webassembly'];

describe.each(['small', 'medium'].flatMap((name) => backends.map((backend) => [name, backend] as const)))(
  'against scikit-learn on the %s fixture, %s kernels',
  (name, backend) => {
    const dir = join(FIXTURES, name);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    const C = asFloat64Matrix(readNpySync(join(dir, 'C.npy')), 'C');
    const Z = asFloat64Matrix(readNpySync(join(dir, 'Z.npy')), 'Z');

    it.each(Object.keys(meta.solutions))('λ = %s: objective, KKT and support agree', async (lambdaKey) => {
      const lambda = Number(lambdaKey);
      const reference = asFloat64Matrix(readNpySync(join(dir, meta.solutions[lambdaKey].file)), 'W');
      expect([C.rows, C.cols, Z.rows]).toEqual([meta.c, meta.d, meta.B]);
      expect([reference.rows, reference.cols]).toEqual([meta.B, meta.c]);

      const solver = await solverFor(C.data, C.rows, C.cols, 1, backend);
      expect(solver.kernels).toBe(backend);
      const result = await solver.solve(Z.data, Z.rows, Z.cols, { lambda });
      expect(result.weights.length).toBe(meta.B * meta.c);

      for (let i = 0; i < Z.rows; i++) {
        const w = row(result.weights, i, C.rows);
        const z = row(Z.data, i, Z.cols);
        const expected = meta.solutions[lambdaKey].objective[i] as number;
        expect(Math.abs(result.objective[i] - expected) / expected, `row ${i} objective`).toBeLessThan(OBJECTIVE_RTOL);
        const report = checkOptimality(C.data, C.rows, C.cols, z, w, lambda);
        expect(Math.abs(report.objective - expected) / expected, `row ${i} objective recomputed`).toBeLessThan(
          OBJECTIVE_RTOL,
        );
        expect(report.minWeight, `row ${i} non-negative`).toBeGreaterThanOrEqual(0);
        expect(report.supportResidual, `row ${i} KKT on the support`).toBeLessThan(KKT_TOL);
        expect(report.offSupportViolation, `row ${i} KKT off the support`).toBeLessThan(KKT_TOL);
        expect(result.converged[i], `row ${i} converged`).toBe(1);
        const refRow = row(reference.data, i, reference.cols);
        for (let j = 0; j < C.rows; j++) {
          const ours = w[j] > SUPPORT_WEIGHT_FLOOR;
          const theirs = refRow[j] > SUPPORT_WEIGHT_FLOOR;
          if (ours !== theirs) {
            // only borderline weights may differ: both below (or at) the floor after rounding
            expect(Math.min(w[j], refRow[j]), `row ${i} concept ${j} support`).toBeLessThan(SUPPORT_WEIGHT_FLOOR);
            expect(Math.max(w[j], refRow[j]), `row ${i} concept ${j} support`).toBeLessThan(10 * SUPPORT_WEIGHT_FLOOR);
          }
        }
      }
    });
  },
);

describe('optimality on random problems (no reference)', () => {
  it('every weight ≥ 0, KKT holds and the gap meets tol, for several shapes and λ', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom(0.001, 0.02, 0.05, 0.15, 0.5),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (c, d, lambda, seed) => {
          const n = 3;
          const { C, Z } = randomProblem(c, d, n, seed);
          const solver = new NonNegativeLasso(await LassoDictionary.create(C, c, d), { threads: 1 });
          const result = await solver.solve(Z, n, d, { lambda });
          for (let i = 0; i < n; i++) {
            const report = checkOptimality(C, c, d, row(Z, i, d), row(result.weights, i, c), lambda);
            expect(report.minWeight).toBeGreaterThanOrEqual(0);
            expect(report.supportResidual).toBeLessThan(KKT_TOL);
            expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
            expect(result.gap[i]).toBeLessThanOrEqual(1e-6);
            expect(result.converged[i]).toBe(1);
            expect(result.l0[i]).toBe(row(result.weights, i, c).filter((w) => w > 0).length);
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('λ ≥ λ_max gives the all-zero answer without iterating; just below it does not', async () => {
    const c = 30;
    const d = 12;
    const { C, Z } = randomProblem(c, d, 1, 7);
    const solver = await solverFor(C, c, d);
    const lmax = lambdaMax(C, c, d, Z);
    for (const lambda of [lmax, lmax * 1.5, 100]) {
      const result = await solver.solve(Z, 1, d, { lambda });
      expect(result.l0[0]).toBe(0);
      expect(result.iterations[0]).toBe(0);
      expect(result.weights.every((w) => w === 0)).toBe(true);
      expect(result.objective[0]).toBeCloseTo(1, 12); // ‖z‖² of a unit row
      expect(result.converged[0]).toBe(1);
    }
    const below = await solver.solve(Z, 1, d, { lambda: lmax * 0.99 });
    expect(below.l0[0]).toBeGreaterThan(0);
  });

  it('the objective never increases from one iteration to the next', async () => {
    const c = 400;
    const d = 64;
    const { C, Z } = randomProblem(c, d, 4, 11);
    const solver = await solverFor(C, c, d);
    // One violator per iteration (Lawson–Hanson's own rule) makes many small steps to compare.
    const options = { lambda: 0.02, violatorsPerStep: 1 };
    const full = await solver.solve(Z, 4, d, options);
    const maxIterations = Math.max(...full.iterations);
    expect(maxIterations).toBeGreaterThan(2);
    let previous = Array.from({ length: 4 }, () => Infinity);
    // The method is deterministic, so stopping after k iterations shows the k-th iterate.
    for (let k = 1; k <= maxIterations; k++) {
      const partial = await solver.solve(Z, 4, d, { ...options, maxIterations: k });
      const objectives = Array.from(partial.objective);
      objectives.forEach((f, i) => expect(f).toBeLessThanOrEqual(previous[i] * (1 + 1e-12)));
      previous = objectives;
    }
    expect(previous.map((f, i) => Math.abs(f - full.objective[i]))).toEqual([0, 0, 0, 0]);
  });

  it('is deterministic and independent of the thread count', async () => {
    const c = 300;
    const d = 48;
    const n = 40;
    const { C, Z } = randomProblem(c, d, n, 5);
    const one = await (await solverFor(C, c, d, 1)).solve(Z, n, d, { lambda: 0.05 });
    const again = await (await solverFor(C, c, d, 1)).solve(Z, n, d, { lambda: 0.05 });
    const two = await (await solverFor(C, c, d, 2)).solve(Z, n, d, { lambda: 0.05 });
    // NonNegativeLasso.create starts the threads while the Gram matrix is computed: same answers.
    const created = await NonNegativeLasso.create(C, c, d, { threads: 2 });
    solvers.push(created);
    const early = await created.solve(Z, n, d, { lambda: 0.05 });
    expect(Buffer.from(early.weights.buffer).equals(Buffer.from(one.weights.buffer))).toBe(true);
    expect(Buffer.from(again.weights.buffer).equals(Buffer.from(one.weights.buffer))).toBe(true);
    expect(Buffer.from(two.weights.buffer).equals(Buffer.from(one.weights.buffer))).toBe(true);
    expect(Array.from(two.objective)).toEqual(Array.from(one.objective));
  });

  it.runIf(backends.length === 2)('native and WebAssembly kernels give bit-identical solutions', async () => {
    const c = 300;
    const d = 48;
    const n = 40;
    const { C, Z } = randomProblem(c, d, n, 6);
    const wasm = await (await solverFor(C, c, d, 1, 'webassembly')).solve(Z, n, d, { lambda: 0.05 });
    for (const threads of [1, 2]) {
      const native = await (await solverFor(C, c, d, threads, 'native')).solve(Z, n, d, { lambda: 0.05 });
      expect(Buffer.from(native.weights.buffer).equals(Buffer.from(wasm.weights.buffer))).toBe(true);
      expect(Array.from(native.objective)).toEqual(Array.from(wasm.objective));
    }
  });

  it('batches of different sizes on one solver (its C·z buffer reused) match a fresh solver each, also concurrently', async () => {
    const c = 300;
    const d = 48;
    const { C, Z } = randomProblem(c, d, 40, 7);
    const rows = (from: number, to: number) => Z.subarray(from * d, to * d);
    const shared = await solverFor(C, c, d, 2);
    const sizes: [number, number][] = [
      [0, 40],
      [5, 15],
      [0, 40],
    ];
    for (const [from, to] of sizes) {
      const reused = await shared.solve(rows(from, to), to - from, d, { lambda: 0.05 });
      const fresh = await (await solverFor(C, c, d, 2)).solve(rows(from, to), to - from, d, { lambda: 0.05 });
      expect(Array.from(reused.weights)).toEqual(Array.from(fresh.weights));
    }
    const [a, b] = await Promise.all([
      shared.solve(rows(0, 20), 20, d, { lambda: 0.05 }),
      shared.solve(rows(20, 40), 20, d, { lambda: 0.05 }),
    ]);
    const whole = await shared.solve(rows(0, 40), 40, d, { lambda: 0.05 });
    expect([...a.weights, ...b.weights]).toEqual(Array.from(whole.weights));
  });

  it('returns an empty result for an empty batch', async () => {
    const solver = await solverFor(new Float64Array([1, 0, 0, 1]), 2, 2);
    const result = await solver.solve(new Float64Array(0), 0, 2, { lambda: 0.1 });
    expect(result.n).toBe(0);
    expect(result.weights.length).toBe(0);
  });
});

describe('degenerate dictionaries', () => {
  const c = 60;
  const d = 20;
  const n = 6;
  const { C, Z } = randomProblem(c, d, n, 3);

  function withExtraRows(extra: Float64Array[]): Float64Array {
    const out = new Float64Array((c + extra.length) * d);
    out.set(C);
    extra.forEach((r, k) => out.set(r, (c + k) * d));
    return out;
  }

  it.each([0.01, 0.05, 0.2])(
    'duplicated concepts (λ = %s): optimal, same objective as without the duplicates',
    async (lambda) => {
      const dup = withExtraRows([0, 5, 17, 17].map((j) => row(C, j, d).slice()));
      const base = await (await solverFor(C, c, d)).solve(Z, n, d, { lambda });
      const result = await (await solverFor(dup, c + 4, d)).solve(Z, n, d, { lambda });
      for (let i = 0; i < n; i++) {
        const report = checkOptimality(dup, c + 4, d, row(Z, i, d), row(result.weights, i, c + 4), lambda);
        expect(report.supportResidual).toBeLessThan(KKT_TOL);
        expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
        expect(result.objective[i]).toBeCloseTo(base.objective[i], 10);
      }
    },
  );

  it.each([0.01, 0.05])('collinear concepts (scaled copies, λ = %s) are optimal', async (lambda) => {
    const scaled = [0, 1, 2, 3].map((j, k) => row(C, j, d).map((v) => v * [2, 0.5, 3, 1.0000001][k]));
    const dict = withExtraRows(scaled);
    const result = await (await solverFor(dict, c + 4, d)).solve(Z, n, d, { lambda });
    for (let i = 0; i < n; i++) {
      const report = checkOptimality(dict, c + 4, d, row(Z, i, d), row(result.weights, i, c + 4), lambda);
      expect(report.minWeight).toBeGreaterThanOrEqual(0);
      expect(report.supportResidual).toBeLessThan(KKT_TOL);
      expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
      expect(result.converged[i]).toBe(1);
    }
  });

  it('more concepts than dimensions with an exactly representable target', async () => {
    // z is a non-negative combination of 3 concepts; at tiny λ the fit is near-perfect.
    const z = new Float64Array(d);
    for (const [j, w] of [
      [4, 0.5],
      [9, 0.3],
      [30, 0.2],
    ] as const)
      for (let t = 0; t < d; t++) z[t] += w * C[j * d + t];
    const result = await (await solverFor(C, c, d)).solve(z, 1, d, { lambda: 1e-6 });
    const report = checkOptimality(C, c, d, z, result.weights, 1e-6);
    expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
    expect(result.objective[0]).toBeLessThan(1e-5);
  });
});

describe('bad input', () => {
  const c = 8;
  const d = 4;
  const { C, Z } = randomProblem(c, d, 3, 9);

  it('a zero embedding row is named', async () => {
    const z = Z.slice();
    z.fill(0, 1 * d, 2 * d);
    const solver = await solverFor(C, c, d);
    await expect(solver.solve(z, 3, d, { lambda: 0.1 })).rejects.toThrow(InvalidInputError);
    await expect(solver.solve(z, 3, d, { lambda: 0.1 })).rejects.toThrow('embeddings row 1 is all zeros');
  });

  it('NaN or Inf in the embeddings names the row and column', async () => {
    const solver = await solverFor(C, c, d);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const z = Z.slice();
      z[2 * d + 3] = bad;
      await expect(solver.solve(z, 3, d, { lambda: 0.1 })).rejects.toThrow(NonFiniteValueError);
      await expect(solver.solve(z, 3, d, { lambda: 0.1 })).rejects.toThrow(`embeddings has ${bad} at row 2, column 3`);
    }
  });

  it('NaN in the dictionary names the row and column', async () => {
    const bad = C.slice();
    bad[5 * d + 1] = NaN;
    await expect(LassoDictionary.create(bad, c, d)).rejects.toThrow('concept dictionary has NaN at row 5, column 1');
  });

  it('mismatched dimensions name both shapes', async () => {
    const solver = await solverFor(C, c, d);
    const z = new Float64Array(3 * 5).fill(0.1);
    await expect(solver.solve(z, 3, 5, { lambda: 0.1 })).rejects.toThrow(ShapeMismatchError);
    await expect(solver.solve(z, 3, 5, { lambda: 0.1 })).rejects.toThrow(
      'embeddings of shape [3, 5] do not match the concept dictionary of shape [8, 4]',
    );
  });

  it('a buffer that does not fill the declared shape is rejected', async () => {
    const solver = await solverFor(C, c, d);
    await expect(solver.solve(new Float64Array(7), 2, d, { lambda: 0.1 })).rejects.toThrow(
      '7 values do not fill shape [2, 4]',
    );
  });

  it('invalid options list every problem', async () => {
    const solver = await solverFor(C, c, d);
    await expect(solver.solve(Z, 3, d, { lambda: -1, tol: 0 })).rejects.toThrow(
      /lambda must be a finite number ≥ 0, got -1; tol must be > 0, got 0/,
    );
    await expect(solver.solve(Z, 3, d, { lambda: NaN })).rejects.toThrow(InvalidInputError);
  });

  it(`${KERNELS_ENV} picks the kernels; a value it does not know is named`, async () => {
    const saved = process.env[KERNELS_ENV];
    try {
      process.env[KERNELS_ENV] = 'webassembly';
      expect((await solverFor(C, c, d)).kernels).toBe('webassembly');
      process.env[KERNELS_ENV] = 'avx512';
      await expect(solverFor(C, c, d)).rejects.toThrow(`${KERNELS_ENV}=avx512: expected one of native, webassembly`);
    } finally {
      if (saved === undefined) delete process.env[KERNELS_ENV];
      else process.env[KERNELS_ENV] = saved;
    }
  });
});
