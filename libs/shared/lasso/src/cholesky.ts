/**
 * Lower-triangular Cholesky factor L of a growing/shrinking principal submatrix G_SS = L·Lᵀ of a Gram
 * matrix, updated in O(k²) per added or removed member instead of refactorizing in O(k³).
 * L is stored row-major in a square buffer of side `capacity`; only the leading k×k block is meaningful.
 */
export class IncrementalCholesky {
  private capacity: number;
  private l: Float64Array;
  private k = 0;

  constructor(initialCapacity = 64) {
    this.capacity = Math.max(1, initialCapacity);
    this.l = new Float64Array(this.capacity * this.capacity);
  }

  get size(): number {
    return this.k;
  }

  reset(): void {
    this.k = 0;
  }

  /**
   * Appends a member whose Gram column against the current members is `cross` (length k) and whose
   * diagonal entry is `diag`. Returns false, leaving the factor unchanged, when the new member is linearly
   * dependent on the current ones: its squared pivot `diag − ‖L⁻¹·cross‖²` is at most `rankTolerance·diag`.
   * `lOut` (length ≥ k) receives L⁻¹·cross either way.
   */
  tryAdd(cross: ArrayLike<number>, diag: number, rankTolerance: number, lOut: Float64Array): boolean {
    const k = this.k;
    this.forwardSolve(cross, lOut);
    let sq = 0;
    for (let i = 0; i < k; i++) sq += lOut[i] * lOut[i];
    const pivotSq = diag - sq;
    if (!(pivotSq > rankTolerance * diag)) return false;
    if (k === this.capacity) this.grow();
    const row = k * this.capacity;
    for (let i = 0; i < k; i++) this.l[row + i] = lOut[i];
    this.l[row + k] = Math.sqrt(pivotSq);
    this.k = k + 1;
    return true;
  }

  /** Removes member `p` (0-based position) and restores triangularity with Givens rotations on columns. */
  remove(p: number): void {
    const k = this.k;
    const n = this.capacity;
    const l = this.l;
    // Shift rows p+1..k-1 up by one: row i now has one entry above the diagonal, at column i+1.
    for (let i = p; i < k - 1; i++) {
      const dst = i * n;
      const src = (i + 1) * n;
      for (let j = 0; j <= i + 1; j++) l[dst + j] = l[src + j];
    }
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

  /** Solves L·y = v for the current k members. */
  forwardSolve(v: ArrayLike<number>, y: Float64Array): void {
    const n = this.capacity;
    const l = this.l;
    for (let i = 0; i < this.k; i++) {
      let acc = v[i];
      const row = i * n;
      for (let j = 0; j < i; j++) acc -= l[row + j] * y[j];
      y[i] = acc / l[row + i];
    }
  }

  /** Solves Lᵀ·x = y in place (x overwrites y). */
  backSolve(y: Float64Array): void {
    const n = this.capacity;
    const l = this.l;
    for (let i = this.k - 1; i >= 0; i--) {
      let acc = y[i];
      for (let j = i + 1; j < this.k; j++) acc -= l[j * n + i] * y[j];
      y[i] = acc / l[i * n + i];
    }
  }

  /** Solves G_SS·x = v (both triangular solves); `x` must not alias `v`. */
  solve(v: ArrayLike<number>, x: Float64Array): void {
    this.forwardSolve(v, x);
    this.backSolve(x);
  }

  private grow(): void {
    const next = this.capacity * 2;
    const l = new Float64Array(next * next);
    for (let i = 0; i < this.k; i++) l.set(this.l.subarray(i * this.capacity, i * this.capacity + i + 1), i * next);
    this.l = l;
    this.capacity = next;
  }
}
