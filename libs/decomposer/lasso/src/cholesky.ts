import type { SolverKernels } from './shared-gram';

/**
 * Lower-triangular Cholesky factor L of a growing/shrinking principal submatrix G_SS = L·Lᵀ of a Gram
 * matrix, updated in O(k²) per added or removed member instead of refactorizing in O(k³).
 * L lives row-major in the solver slot's `cholesky` buffer (side `capacity`), where the SIMD triangular
 * solves read it; only the leading k×k block is meaningful.
 */
export class IncrementalCholesky {
  private k = 0;
  private readonly l: Float64Array;
  private readonly n: number;

  constructor(private readonly kernels: SolverKernels) {
    this.l = kernels.cholesky;
    this.n = kernels.capacity;
  }

  get size(): number {
    return this.k;
  }

  reset(): void {
    this.k = 0;
  }

  /** Takes over the leading k×k factor another instance on the same slot left in the buffer. */
  adopt(k: number): void {
    this.k = k;
  }

  /** Column i of G_SS⁻¹ into `x` (`scratch` receives the unit vector first); both are views of the slot. */
  inverseColumn(i: number, scratch: Float64Array, x: Float64Array): void {
    scratch.fill(0, 0, this.k);
    scratch[i] = 1;
    this.solve(scratch, x);
  }

  /**
   * Appends a member whose Gram entries against the current members are `cross` (length k) and whose
   * diagonal entry is `diag`. Returns false, leaving the factor unchanged, when the new member is linearly
   * dependent on the current ones: its squared pivot `diag − ‖L⁻¹·cross‖²` is at most `rankTolerance·diag`
   * (or the factor is full, which independence rules out). `lOut` receives L⁻¹·cross either way.
   * `cross` and `lOut` must be views of the solver slot.
   */
  tryAdd(cross: Float64Array, diag: number, rankTolerance: number, lOut: Float64Array): boolean {
    const k = this.k;
    this.kernels.forwardSolve(k, cross, lOut);
    let sq = 0;
    for (let i = 0; i < k; i++) sq += lOut[i] * lOut[i];
    const pivotSq = diag - sq;
    if (!(pivotSq > rankTolerance * diag) || k === this.n) return false;
    const row = k * this.n;
    for (let i = 0; i < k; i++) this.l[row + i] = lOut[i];
    this.l[row + k] = Math.sqrt(pivotSq);
    this.k = k + 1;
    return true;
  }

  /** Removes member `p` (0-based position) and restores triangularity with Givens rotations on columns. */
  remove(p: number): void {
    const k = this.k;
    const n = this.n;
    const l = this.l;
    // Shift rows p+1..k-1 up by one: row i now has one entry above the diagonal, at column i+1.
    for (let i = p; i < k - 1; i++) l.copyWithin(i * n, (i + 1) * n, (i + 1) * n + i + 2);
    // Rotate columns (i, i+1) to zero l[i][i+1]; L·Q·Qᵀ·Lᵀ = L·Lᵀ so the product is unchanged.
    for (let i = p; i < k - 1; i++) {
      const a = l[i * n + i];
      const b = l[i * n + i + 1];
      const r = Math.hypot(a, b);
      const c = a / r;
      const s = b / r;
      for (let row = i; row < k - 1; row++) {
        const x = l[row * n + i];
        const y = l[row * n + i + 1];
        l[row * n + i] = c * x + s * y;
        l[row * n + i + 1] = -s * x + c * y;
      }
      l[i * n + i + 1] = 0;
    }
    this.k = k - 1;
  }

  /** Solves G_SS·x = v (both triangular solves); `x` must not alias `v`; both are views of the slot. */
  solve(v: Float64Array, x: Float64Array): void {
    this.kernels.forwardSolve(this.k, v, x);
    this.kernels.backSolve(this.k, x);
  }

  /** Solves Lᵀ·x = y in place. */
  backSolve(y: Float64Array): void {
    this.kernels.backSolve(this.k, y);
  }
}
