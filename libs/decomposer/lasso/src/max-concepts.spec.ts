import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { LassoDictionary } from './dictionary';
import { NonNegativeLasso } from './non-negative-lasso';
import { checkOptimality } from './optimality';
import { randomProblem } from './__fixtures__/random-problem';

const KKT_TOL = 1e-6;
const solvers: NonNegativeLasso[] = [];
afterAll(async () => Promise.all(solvers.map((s) => s.close())));

async function solverFor(C: Float64Array, c: number, d: number, threads = 1): Promise<NonNegativeLasso> {
  const solver = new NonNegativeLasso(await LassoDictionary.create(C, c, d), { threads });
  solvers.push(solver);
  return solver;
}

const row = (m: Float64Array, i: number, width: number) => m.subarray(i * width, (i + 1) * width);

/**
 * How far (relative to λ/2) the closest concept outside the support is from entering: min over w_j = 0 of
 * (λ/2 − g_j)/(λ/2), g = C(z − Cᵀw). ~0 means a (K+1)-th concept enters right below λ.
 */
function nextConceptSlack(C: Float64Array, c: number, d: number, z: Float64Array, w: Float64Array, lambda: number) {
  const r = Float64Array.from(z);
  for (let j = 0; j < c; j++) if (w[j] > 0) for (let t = 0; t < d; t++) r[t] -= w[j] * C[j * d + t];
  let slack = Infinity;
  for (let j = 0; j < c; j++) {
    if (w[j] > 0) continue;
    let g = 0;
    for (let t = 0; t < d; t++) g += C[j * d + t] * r[t];
    slack = Math.min(slack, (lambda / 2 - g) / (lambda / 2));
  }
  return slack;
}

describe('--max-concepts: the best point of the Lasso path with at most K concepts', () => {
  it('never exceeds K, is optimal (KKT, gap) at the λ it reports, where the next concept is due', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 120 }),
        fc.integer({ min: 3, max: 48 }),
        fc.integer({ min: 1, max: 45 }),
        fc.constantFrom(0.0005, 0.005, 0.05, 0.3),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (c, d, maxConcepts, floor, seed) => {
          const n = 4;
          const { C, Z } = randomProblem(c, d, n, seed);
          const solver = await solverFor(C, c, d);
          const capped = await solver.solve(Z, n, d, { lambda: floor, maxConcepts });
          for (let i = 0; i < n; i++) {
            const lambda = capped.lambdas[i];
            const w = row(capped.weights, i, c);
            expect(capped.l0[i]).toBeLessThanOrEqual(maxConcepts);
            expect(capped.l0[i]).toBe(w.filter((x) => x > 0).length);
            expect(lambda).toBeGreaterThanOrEqual(floor);
            const report = checkOptimality(C, c, d, row(Z, i, d), w, lambda);
            expect(report.minWeight).toBeGreaterThanOrEqual(0);
            expect(report.supportResidual).toBeLessThan(KKT_TOL);
            expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
            expect(capped.converged[i]).toBe(1);
            // The same problem solved plainly at the reported λ gives the same answer…
            const plain = await solver.solve(row(Z, i, d), 1, d, { lambda });
            expect(plain.l0[0]).toBe(capped.l0[i]);
            expect(Math.abs(plain.objective[0] - capped.objective[i])).toBeLessThan(1e-9);
            // …and where the cap stopped the path (not the floor), the next concept is due: at the KKT boundary.
            if (lambda > floor * (1 + 1e-6))
              expect(nextConceptSlack(C, c, d, row(Z, i, d), w, lambda)).toBeLessThan(1e-5);
          }
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });

  it('on larger dictionaries (c ≫ K), walking down or up, the answers are exact and the next concept is due', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 300, max: 900 }),
        fc.integer({ min: 16, max: 96 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (c, d, maxConcepts, seed) => {
          const n = 3;
          const { C, Z } = randomProblem(c, d, n, seed);
          const solver = await solverFor(C, c, d);
          const capped = await solver.solve(Z, n, d, { lambda: 0.001, maxConcepts });
          for (let i = 0; i < n; i++) {
            const lambda = capped.lambdas[i];
            const w = row(capped.weights, i, c);
            expect(capped.l0[i]).toBeLessThanOrEqual(maxConcepts);
            const report = checkOptimality(C, c, d, row(Z, i, d), w, lambda);
            expect(report.supportResidual).toBeLessThan(KKT_TOL);
            expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
            if (lambda > 0.001 * (1 + 1e-6))
              expect(nextConceptSlack(C, c, d, row(Z, i, d), w, lambda)).toBeLessThan(1e-5);
            else expect(lambda).toBe(0.001);
          }
          await solver.close();
        },
      ),
      { numRuns: 25, seed: 3 },
    );
  });

  it('stops at the floor λ when the floor already gives at most K concepts', async () => {
    const { C, Z } = randomProblem(200, 64, 3, 11);
    const solver = await solverFor(C, 200, 64);
    const plain = await solver.solve(Z, 3, 64, { lambda: 0.4 });
    const capped = await solver.solve(Z, 3, 64, { lambda: 0.4, maxConcepts: 200 });
    expect(Array.from(capped.lambdas)).toEqual([0.4, 0.4, 0.4]);
    expect(Array.from(capped.l0)).toEqual(Array.from(plain.l0));
    for (let t = 0; t < plain.weights.length; t++) expect(capped.weights[t]).toBeCloseTo(plain.weights[t], 9);
  });

  it('handles duplicated concepts (a collinear one cannot enter) and stays exact', async () => {
    const d = 16;
    const base = randomProblem(20, d, 2, 5);
    const C = new Float64Array(40 * d);
    C.set(base.C);
    C.set(base.C, 20 * d); // every concept twice
    const solver = await solverFor(C, 40, d);
    const capped = await solver.solve(base.Z, 2, d, { lambda: 0.01, maxConcepts: 6 });
    for (let i = 0; i < 2; i++) {
      expect(capped.l0[i]).toBeLessThanOrEqual(6);
      const report = checkOptimality(C, 40, d, row(base.Z, i, d), row(capped.weights, i, 40), capped.lambdas[i]);
      expect(report.offSupportViolation).toBeLessThan(KKT_TOL);
      expect(report.supportResidual).toBeLessThan(KKT_TOL);
    }
  });

  it('gives the same answer on 1 and 3 threads', async () => {
    const { C, Z } = randomProblem(300, 32, 40, 3);
    const one = await (await solverFor(C, 300, 32, 1)).solve(Z, 40, 32, { lambda: 0.01, maxConcepts: 5 });
    const three = await (await solverFor(C, 300, 32, 3)).solve(Z, 40, 32, { lambda: 0.01, maxConcepts: 5 });
    expect(Array.from(three.weights)).toEqual(Array.from(one.weights));
    expect(Array.from(three.lambdas)).toEqual(Array.from(one.lambdas));
  });

  it('refuses a K that is not a whole number ≥ 0', async () => {
    const { C, Z } = randomProblem(5, 4, 1, 1);
    const solver = await solverFor(C, 5, 4);
    for (const maxConcepts of [-1, 2.5, NaN])
      await expect(solver.solve(Z, 1, 4, { lambda: 0.1, maxConcepts })).rejects.toThrow(
        new InvalidInputError(
          `invalid Lasso options: maxConcepts must be an integer ≥ 1 (or 0 for no cap), got ${maxConcepts}`,
        ),
      );
  });
});

describe('warm start', () => {
  it('reaches the cold answer from the solution at another λ, in fewer iterations along a λ path', async () => {
    const c = 400;
    const d = 48;
    const n = 20;
    const { C, Z } = randomProblem(c, d, n, 21);
    const solver = await solverFor(C, c, d);
    let previous: Float64Array | undefined;
    let warmIterations = 0;
    let coldIterations = 0;
    for (const lambda of [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01]) {
      const cold = await solver.solve(Z, n, d, { lambda });
      const warm = await solver.solve(Z, n, d, { lambda }, previous);
      expect(Array.from(warm.l0)).toEqual(Array.from(cold.l0));
      for (let i = 0; i < n; i++) {
        expect(Math.abs(warm.objective[i] - cold.objective[i])).toBeLessThan(1e-10);
        expect(warm.converged[i]).toBe(1);
      }
      for (let t = 0; t < cold.weights.length; t++)
        expect(Math.abs(warm.weights[t] - cold.weights[t])).toBeLessThan(1e-8);
      if (previous) {
        warmIterations += warm.iterations.reduce((s, x) => s + x, 0);
        coldIterations += cold.iterations.reduce((s, x) => s + x, 0);
      }
      previous = warm.weights;
    }
    expect(warmIterations).toBeLessThan(coldIterations);
  });

  it('refuses a warm start of the wrong size or with a negative weight', async () => {
    const { C, Z } = randomProblem(5, 4, 2, 1);
    const solver = await solverFor(C, 5, 4);
    await expect(solver.solve(Z, 2, 4, { lambda: 0.1 }, new Float64Array(9))).rejects.toThrow(
      /warm start of 9 weights for 2 rows of 5 concepts/,
    );
    const bad = new Float64Array(10);
    bad[7] = -1;
    await expect(solver.solve(Z, 2, 4, { lambda: 0.1 }, bad)).rejects.toThrow(/weight 2 of row 1 is -1/);
  });
});
