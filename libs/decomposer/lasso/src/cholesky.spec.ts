import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '@audio-concepts/shared-random';
import { IncrementalCholesky } from './cholesky';
import { nativeKernels, type KernelBackend } from './kernel-backend';
import { SharedGram, SolverKernels } from './shared-gram';

/** Gram matrix of n random vectors in R^d (full rank when n ≤ d). */
function gram(n: number, d: number, seed: number): number[][] {
  const r = rng(seed);
  const v = Array.from({ length: n }, () => Array.from({ length: d }, () => r() - 0.5));
  return v.map((a) => v.map((b) => a.reduce((s, x, t) => s + x * b[t], 0)));
}

/** A factor in a solver slot (the kernels read only the slot's buffers, so no Gram matrix is filled in). */
function emptyFactor(size: number, backend: KernelBackend): { chol: IncrementalCholesky; kernels: SolverKernels } {
  const shared = SharedGram.create(size);
  const kernels = new SolverKernels(shared, shared.allocateSlot(size), size, backend);
  return { chol: new IncrementalCholesky(kernels), kernels };
}

function factorOf(
  G: number[][],
  members: number[],
  backend: KernelBackend,
): { chol: IncrementalCholesky; kernels: SolverKernels } {
  const factor = emptyFactor(G.length, backend);
  const { chol, kernels } = factor;
  for (const j of members) {
    kernels.vecA.set(members.slice(0, chol.size).map((i) => G[i][j]));
    expect(chol.tryAdd(kernels.vecA, G[j][j], 1e-12, kernels.vecB)).toBe(true);
  }
  return factor;
}

/** Solves G_SS·x = rhs with the factor, through the slot's scratch vectors. */
function solveWith({ chol, kernels }: { chol: IncrementalCholesky; kernels: SolverKernels }, rhs: number[]): number[] {
  kernels.vecA.set(rhs);
  chol.solve(kernels.vecA, kernels.vecB);
  return Array.from(kernels.vecB.subarray(0, rhs.length));
}

function solveDirect(G: number[][], members: number[], rhs: number[]): Float64Array {
  // Gaussian elimination on the principal submatrix, as an independent reference.
  const n = members.length;
  const A = members.map((i, r) => [...members.map((j) => G[i][j]), rhs[r]]);
  for (let k = 0; k < n; k++) {
    for (let r = k + 1; r < n; r++) {
      const f = A[r][k] / A[k][k];
      for (let c = k; c <= n; c++) A[r][c] -= f * A[k][c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = A[r][n];
    for (let c = r + 1; c < n; c++) s -= A[r][c] * x[c];
    x[r] = s / A[r][r];
  }
  return x;
}

// Both kernel backends; the native one where the build compiled it (shared-gram.spec checks that CI did).
const backends: KernelBackend[] = 'addon' in nativeKernels() ? ['webassembly', 'native'] : ['webassembly'];

describe.each(backends)('IncrementalCholesky on %s kernels', (backend) => {
  it('refuses members beyond its capacity', () => {
    const G = gram(3, 8, 4);
    const { chol, kernels } = factorOf(G, [0, 1], backend);
    const full = emptyFactor(2, backend);
    kernels.vecA.set([G[0][2], G[1][2]]);
    expect(chol.tryAdd(kernels.vecA, G[2][2], 1e-12, kernels.vecB)).toBe(true); // capacity 3
    full.kernels.vecA.set([]);
    expect(full.chol.tryAdd(full.kernels.vecA, G[0][0], 1e-12, full.kernels.vecB)).toBe(true);
    full.kernels.vecA.set([G[0][1]]);
    expect(full.chol.tryAdd(full.kernels.vecA, G[1][1], 1e-12, full.kernels.vecB)).toBe(true);
    full.kernels.vecA.set([G[0][2], G[1][2]]);
    expect(full.chol.tryAdd(full.kernels.vecA, G[2][2], 1e-12, full.kernels.vecB)).toBe(false);
  });

  it('solves the support system after additions', () => {
    const G = gram(12, 20, 1);
    const members = [3, 0, 7, 11, 5, 9];
    const x = solveWith(
      factorOf(G, members, backend),
      members.map((_, i) => i + 1),
    );
    const rhs = members.map((_, i) => i + 1);
    const ref = solveDirect(G, members, rhs);
    for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(ref[i], 9);
  });

  // Rows of 8 or more entries go through the forward solve's 8-wide sums, then its 2-wide and odd tails.
  it.each([9, 18, 37])('solves a support system of %i members', (n) => {
    const G = gram(40, 48, n);
    const members = Array.from({ length: n }, (_, i) => (i * 7) % 40);
    const rhs = members.map((j) => Math.cos(j));
    const x = solveWith(factorOf(G, members, backend), rhs);
    const ref = solveDirect(G, members, rhs);
    for (let i = 0; i < n; i++) expect(x[i]).toBeCloseTo(ref[i], 8);
  });

  it('stays exact after removing members at the front, middle and back', () => {
    const G = gram(10, 16, 2);
    const members = [0, 1, 2, 3, 4, 5, 6, 7];
    const factor = factorOf(G, members, backend);
    const { chol } = factor;
    for (const position of [0, 3, 5]) {
      chol.remove(position);
      members.splice(position, 1);
      const rhs = members.map((j) => Math.sin(j));
      const x = solveWith(factor, rhs);
      const ref = solveDirect(G, members, rhs);
      for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(ref[i], 9);
    }
    chol.remove(members.length - 1);
    expect(chol.size).toBe(members.length - 1);
  });

  it('refuses a member that is a combination of the current ones and leaves the factor unchanged', () => {
    // vectors in R^3: the fourth is the sum of the first two
    const v = [
      [1, 0.2, 0],
      [0, 1, 0.3],
      [0.5, 0, 1],
      [1, 1.2, 0.3],
    ];
    const G = v.map((a) => v.map((b) => a.reduce((s, x, t) => s + x * b[t], 0)));
    const { chol, kernels } = factorOf(G, [0, 1, 2], backend);
    kernels.vecA.set([G[0][3], G[1][3], G[2][3]]);
    expect(chol.tryAdd(kernels.vecA, G[3][3], 1e-10, kernels.vecB)).toBe(false);
    expect(chol.size).toBe(3);
    // L⁻ᵀ(L⁻¹·cross) are the combination coefficients (1, 1, 0).
    chol.backSolve(kernels.vecB);
    expect(Array.from(kernels.vecB.subarray(0, 3)).map((x) => Math.round(x * 1e9) / 1e9)).toEqual([1, 1, 0]);
  });
});
