import { IncrementalCholesky } from './cholesky';
import { dualityGap } from './duality-gap';
import type { ResolvedLassoOptions } from './lasso.options';
import type { SolverKernels } from './shared-gram';

/** Per-row outcome; the weights themselves are written into the caller's row. */
export interface RowStats {
  /** ‖Cᵀw − z‖² + λ‖w‖₁ */
  objective: number;
  /** scikit-learn's duality gap (DESIGN §1); converged when ≤ tol·‖z‖². */
  gap: number;
  iterations: number;
  converged: boolean;
  l0: number;
}

/**
 * Exact non-negative Lasso for one embedding, on a precomputed Gram matrix G = C·Cᵀ and b = C·z.
 *
 * Works on the equivalent quadratic program min_{w≥0} ½wᵀGw − (b − a)ᵀw with a = λ/2, by a primal active
 * set method in the style of Lawson–Hanson: solve G_SS·w_S = b_S − a on the support S with an
 * incrementally updated Cholesky factor; when a weight of that solution would be ≤ 0, step from the current
 * weights towards it only as far as feasibility allows and drop the member that hits zero; then add the
 * largest KKT violators (g_j = b_j − (Gw)_j > a), several per iteration. The gradient over all c concepts
 * (O(c·|S|)) and the triangular solves run in the SIMD kernels.
 *
 * One instance per thread: it owns its kernel slot and scratch buffers and reuses them across rows.
 */
export class ActiveSetSolver {
  private readonly chol: IncrementalCholesky;
  /** Support: concept indices and their weights, aligned by position (views into the kernel slot). */
  private readonly support: Int32Array;
  private readonly weights: Float64Array;
  private supportSize = 0;
  private readonly inSupport: Uint8Array;
  private readonly gram: Float64Array;
  private readonly stride: number;
  private readonly vecA: Float64Array;
  private readonly vecB: Float64Array;
  private readonly candidates: Int32Array;

  constructor(
    private readonly kernel: SolverKernels,
    private readonly c: number,
    private readonly options: ResolvedLassoOptions,
  ) {
    this.chol = new IncrementalCholesky(kernel);
    this.support = kernel.rows;
    this.weights = kernel.weights;
    this.gram = kernel.gram;
    this.stride = kernel.b.length;
    this.inSupport = new Uint8Array(c);
    this.vecA = kernel.vecA;
    this.vecB = kernel.vecB;
    this.candidates = new Int32Array(options.violatorsPerStep);
  }

  /**
   * Solves one row. `b` = C·z (length c), `zz` = ‖z‖² (> 0). Writes all c weights into `wOut`. `warm` (length c,
   * ≥ 0, not aliasing `wOut`), e.g. the solution at a nearby λ, is where the search starts: its non-zero concepts
   * form the first support. The answer is the same exact optimum from any start; a close one saves iterations.
   * `lambda` overrides the options' λ for this row.
   */
  solveRow(
    b: Float64Array,
    zz: number,
    wOut: Float64Array,
    warm?: Float64Array,
    lambda = this.options.lambda,
  ): RowStats {
    const { c, kernel, support, weights } = this;
    const a = lambda / 2;
    const bound = a + this.options.violationTolerance * a + 1e-13;
    wOut.fill(0);
    kernel.b.set(b);
    const g = kernel.g;

    let maxB = -Infinity;
    for (let j = 0; j < c; j++) if (b[j] > maxB) maxB = b[j];
    if (maxB <= a) {
      // λ ≥ λ_max = 2·max_j ⟨C_j, z⟩: w = 0 is optimal (DESIGN §1).
      const gap = dualityGap({ a, rr: zz, rz: zz, l1: 0, maxGrad: maxB });
      return { objective: zz, gap, iterations: 0, converged: gap <= this.options.tol * zz, l0: 0 };
    }

    this.chol.reset();
    this.supportSize = 0;
    if (warm) this.startFrom(warm, b, a);
    let perStep = this.options.violatorsPerStep;
    let previous = Infinity;
    let iterations = 0;
    for (;;) {
      kernel.gradient(this.supportSize);
      if (iterations >= this.options.maxIterations) break;
      const objective = this.quadraticObjective(b, a);
      if (objective >= previous - 1e-15 * Math.abs(previous)) {
        // No progress with several violators at once (they were all stepped out again): fall back to
        // Lawson–Hanson's single largest violator, which is guaranteed to enter; stop if even that fails.
        if (perStep === 1) break;
        perStep = 1;
      }
      previous = objective;
      const nCandidates = this.largestViolators(g, bound, perStep);
      if (nCandidates === 0) break;
      iterations++;
      let added = 0;
      for (let n = 0; n < nCandidates; n++) {
        const p = this.candidates[n];
        if (this.tryAddToSupport(p)) added++;
        else if (n === 0 && this.exchange(p)) added++;
      }
      if (added === 0) break;
      this.restoreFeasibility(b, a);
    }

    // Duality gap from b and g = b − G·w (the gradient above is that of the final weights).
    let wb = 0;
    let wg = 0;
    let l1 = 0;
    for (let i = 0; i < this.supportSize; i++) {
      const j = support[i];
      const w = weights[i];
      wOut[j] = w;
      wb += w * b[j];
      wg += w * g[j];
      l1 += w;
      this.inSupport[j] = 0;
    }
    let maxGrad = -Infinity;
    for (let j = 0; j < c; j++) if (g[j] > maxGrad) maxGrad = g[j];
    const rr = Math.max(0, zz - wb - wg);
    const gap = dualityGap({ a, rr, rz: zz - wb, l1, maxGrad });
    return {
      objective: rr + 2 * a * l1,
      gap,
      iterations,
      converged: gap <= this.options.tol * zz,
      l0: this.supportSize,
    };
  }

  /**
   * Members of the support the last `solveRow` ended with. Until the slot's next solve they, and the Cholesky factor
   * of their Gram block, stay in the slot (`rows` in support order, `cholesky`), where a solver sharing it may take
   * them over.
   */
  get lastSupportSize(): number {
    return this.supportSize;
  }

  /** Takes the non-zero concepts of `warm` as the support, at their weights, then solves the support system. */
  private startFrom(warm: Float64Array, b: Float64Array, a: number): void {
    for (let j = 0; j < this.c; j++)
      if (warm[j] > 0 && this.tryAddToSupport(j)) this.weights[this.supportSize - 1] = warm[j];
    this.restoreFeasibility(b, a);
  }

  /** ½wᵀGw − (b − a)ᵀw from the current gradient g = b − Gw: wᵀGw = wᵀb − wᵀg. */
  private quadraticObjective(b: Float64Array, a: number): number {
    const g = this.kernel.g;
    let f = 0;
    for (let i = 0; i < this.supportSize; i++) {
      const j = this.support[i];
      f += this.weights[i] * (a - 0.5 * b[j] - 0.5 * g[j]);
    }
    return f;
  }

  /**
   * Fills `candidates` with up to `limit` concepts outside the support whose gradient exceeds `bound`, largest first.
   * One pass over g with a threshold that rises to the smallest candidate kept, so most concepts cost one compare.
   */
  private largestViolators(g: Float64Array, bound: number, limit: number): number {
    const { candidates, inSupport, c } = this;
    let n = 0;
    let threshold = bound;
    for (let j = 0; j < c; j++) {
      const v = g[j];
      if (!(v > threshold) || inSupport[j]) continue;
      // Insertion into a short sorted list.
      let at = n < limit ? n++ : limit - 1;
      while (at > 0 && g[candidates[at - 1]] < v) {
        candidates[at] = candidates[at - 1];
        at--;
      }
      candidates[at] = j;
      if (n === limit) threshold = g[candidates[limit - 1]];
    }
    return n;
  }

  private tryAddToSupport(j: number): boolean {
    const { gram, stride, support } = this;
    const cross = this.vecA;
    // Column j of the support rows rather than row j (G is symmetric): the gradient kernel has just streamed
    // the support rows, so these reads hit the cache, while row j is cold (measured ~10% faster per row).
    for (let i = 0; i < this.supportSize; i++) cross[i] = gram[support[i] * stride + j];
    if (!this.chol.tryAdd(cross, gram[j * stride + j], this.options.rankTolerance, this.vecB)) return false;
    support[this.supportSize] = j;
    this.weights[this.supportSize] = 0;
    this.supportSize++;
    this.inSupport[j] = 1;
    return true;
  }

  /**
   * Candidate j violates KKT but its concept is a combination C_j = Σ α_i C_i of the support (duplicated or
   * collinear concepts). Moving weight t from the support onto j (w_S −= t·α, w_j = t) leaves the fit
   * unchanged and lowers the L1 term by t·(Σα − 1) > 0, until the first support weight with α_i > 0 hits 0;
   * that member leaves and j enters. Needs the support at its subproblem optimum (true before any addition).
   */
  private exchange(j: number): boolean {
    const alpha = this.vecB; // L⁻¹·cross from the failed tryAdd
    this.chol.backSolve(alpha);
    let t = Infinity;
    let leave = -1;
    for (let i = 0; i < this.supportSize; i++) {
      if (alpha[i] <= 0) continue;
      const ratio = this.weights[i] / alpha[i];
      if (ratio < t) {
        t = ratio;
        leave = i;
      }
    }
    if (leave < 0) return false;
    for (let i = 0; i < this.supportSize; i++) this.weights[i] -= t * alpha[i];
    this.removeFromSupport(leave);
    if (!this.tryAddToSupport(j)) return false;
    this.weights[this.supportSize - 1] = t;
    return true;
  }

  private removeFromSupport(i: number): void {
    this.inSupport[this.support[i]] = 0;
    this.chol.remove(i);
    this.support.copyWithin(i, i + 1, this.supportSize);
    this.weights.copyWithin(i, i + 1, this.supportSize);
    this.supportSize--;
  }

  /**
   * Solves the support system; while some weight of the solution is ≤ 0, steps from the current (feasible)
   * weights towards it only as far as feasibility allows and drops the members that hit zero.
   */
  private restoreFeasibility(b: Float64Array, a: number): void {
    const { support, weights, chol } = this;
    const rhs = this.vecA;
    const u = this.vecB;
    for (;;) {
      const s = this.supportSize;
      if (s === 0) return;
      for (let i = 0; i < s; i++) rhs[i] = b[support[i]] - a;
      chol.solve(rhs, u);
      let t = 1;
      let blocking = -1;
      for (let i = 0; i < s; i++) {
        if (u[i] > 0) continue;
        const ratio = weights[i] / (weights[i] - u[i]);
        if (ratio < t) {
          t = ratio;
          blocking = i;
        }
      }
      if (blocking < 0) {
        weights.set(u.subarray(0, s));
        return;
      }
      for (let i = 0; i < s; i++) weights[i] += t * (u[i] - weights[i]);
      weights[blocking] = 0;
      // Drop the members that hit zero moving towards a non-positive solution (from the back, so positions
      // stay valid). A member just added with u_i > 0 may still be at 0 after a zero-length step: it stays.
      for (let i = s - 1; i >= 0; i--) if (u[i] <= 0 && weights[i] <= 0) this.removeFromSupport(i);
    }
  }
}
