import { IncrementalCholesky } from './cholesky';
import { dualityGap } from './duality-gap';
import type { ResolvedLassoOptions } from './lasso.options';
import { ActiveSetSolver, type RowStats } from './active-set.solver';
import type { SolverKernels } from './shared-gram';

/**
 * Below this K the path is walked down from λ_max (few events, each cheap); from it, up from the floor's solution
 * (the crossover measured by `npm run bench:sparsity` on the paper's shape, c = 2000, d = 512).
 */
const WALK_UP_FROM = 32;
/** How far above a = λ/2 an outside concept's gradient may be, relative to a, for the upward walk's answer to stand. */
const VIOLATION_TOLERANCE = 1e-9;
/** Times the upward walk is corrected by a plain solve before the row walks down instead. */
const MAX_CORRECTIONS = 6;

/** A row's outcome when its number of concepts is capped: the λ the solution is exact for comes with it. */
export interface CappedRowStats extends RowStats {
  lambda: number;
}

/**
 * Target sparsity: the best-fitting point of the non-negative Lasso path with at most K concepts, at a λ no lower
 * than `options.lambda` (the floor): the solution at the floor if it has at most K, else a point where, just below,
 * the path needs K + 1.
 *
 * In a = λ/2, on a support S the path is w_S(a) = p − a·q with p = G_SS⁻¹·b_S and q = G_SS⁻¹·1, and the gradient off
 * S is g_j(a) = α_j + a·β_j with β = G_{:,S}·q: both linear in a between events, where a concept enters (g_j(a) = a)
 * or a weight reaches zero. Two walks find the point:
 * - down, for small K: from λ_max = 2·max_j b_j, event by event, each needing β (one pass over the support's Gram
 *   rows, O(c·|S|)); it stops just above the event where a (K+1)-th concept would enter, or at the floor;
 * - up, for larger K: the plain solution at the floor, then its weights dropped as they reach zero with a rising
 *   (p and q only, O(|S|²) per event) until K remain. That ignores concepts that might enter on the way up, so one
 *   gradient pass at the end checks the optimality conditions; where they fail, the row walks down instead.
 * Either way the answer satisfies the conditions of DESIGN §1 at the λ reported (every g_j ≤ λ/2 off the support,
 * = λ/2 on it), and the next concept is due right below it. Where the path's support shrinks back as λ falls, the
 * two walks may stop at different such points; both are exact.
 */
export class MaxConceptsSolver {
  private readonly chol: IncrementalCholesky;
  private readonly support: Int32Array;
  private readonly inSupport: Uint8Array;
  /** concepts that are combinations of the support (collinear): they cannot enter it */
  private readonly dependent: Uint8Array;
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private size = 0;
  /** the plain solver at the floor λ, which shares this solver's kernel slot */
  private readonly atFloor: ActiveSetSolver;
  private readonly start: Float64Array;

  constructor(
    private readonly kernel: SolverKernels,
    private readonly c: number,
    private readonly options: ResolvedLassoOptions,
  ) {
    this.chol = new IncrementalCholesky(kernel);
    this.atFloor = new ActiveSetSolver(kernel, c, options);
    this.start = new Float64Array(c);
    this.support = kernel.rows;
    this.inSupport = new Uint8Array(c);
    this.dependent = new Uint8Array(c);
    this.p = new Float64Array(kernel.capacity);
    this.q = new Float64Array(kernel.capacity);
    this.alpha = new Float64Array(c);
    this.beta = new Float64Array(c);
  }

  /** Solves one row: `b` = C·z, `zz` = ‖z‖² (> 0); writes all c weights into `wOut`. */
  solveRow(b: Float64Array, zz: number, wOut: Float64Array): CappedRowStats {
    const { maxConcepts, lambda } = this.options;
    if (maxConcepts < WALK_UP_FROM) return this.walkDown(b, zz, wOut);
    let at = this.atFloor.solveRow(b, zz, wOut);
    if (at.l0 <= maxConcepts) return { ...at, lambda };
    let a = lambda / 2;
    for (let round = 0; round < MAX_CORRECTIONS; round++) {
      const up = this.walkUp(b, zz, wOut, a);
      if (!up) break;
      if (up.offSupportViolation <= VIOLATION_TOLERANCE * up.a) return up.stats;
      // Concepts entered on the way up: the plain solution at the λ reached (from these weights) puts them in,
      // and the walk goes on up from there.
      this.start.set(wOut);
      at = this.atFloor.solveRow(b, zz, wOut, this.start, 2 * up.a);
      if (at.l0 <= maxConcepts) break;
      a = up.a;
    }
    return this.walkDown(b, zz, wOut);
  }

  /**
   * From the plain solution at a (in `wOut`, its support and factor left in the slot by `atFloor`) up the path,
   * dropping each weight as it reaches zero, until K remain. Concepts that would enter on the way are not looked
   * for: the returned violation (max over the concepts outside of g_j − a, from one gradient pass) says whether one
   * did. Undefined where the walk cannot go on.
   */
  private walkUp(
    b: Float64Array,
    zz: number,
    wOut: Float64Array,
    from: number,
  ): { stats: CappedRowStats; a: number; offSupportViolation: number } | undefined {
    const { options, kernel, p, q } = this;
    this.size = this.atFloor.lastSupportSize;
    this.chol.adopt(this.size);
    this.inSupport.fill(0);
    for (let i = 0; i < this.size; i++) this.inSupport[this.support[i]] = 1;
    let a = from;
    let events = 0;
    this.solveSupport(b);
    while (this.size > options.maxConcepts) {
      if (events++ >= options.maxIterations) return undefined;
      let at = Infinity;
      let leave = -1;
      for (let i = 0; i < this.size; i++) {
        if (q[i] <= 0) continue; // its weight grows with a
        const when = Math.max(a, p[i] / q[i]);
        if (when < at) {
          at = when;
          leave = i;
        }
      }
      if (leave < 0) return undefined;
      a = at;
      // Without member i, p and q lose their i-th entries and p_i·h/h_i, q_i·h/h_i, h = G_SS⁻¹·e_i: one solve
      // instead of the two a fresh p and q would take.
      const h = kernel.vecB;
      this.chol.inverseColumn(leave, kernel.vecA, h);
      const pRatio = p[leave] / h[leave];
      const qRatio = q[leave] / h[leave];
      for (let i = 0; i < this.size; i++) {
        p[i] -= pRatio * h[i];
        q[i] -= qRatio * h[i];
      }
      p.copyWithin(leave, leave + 1, this.size);
      q.copyWithin(leave, leave + 1, this.size);
      this.remove(leave);
    }
    this.solveSupport(b); // the exact p and q of the support reached (the updates above round a little each time)
    // A little above the last drop, as walking down stops a little above an entry, if the K weights stay positive.
    let land = a * (1 + 1e-6);
    for (let i = 0; i < this.size; i++) if (p[i] - land * q[i] <= 0) land = a;
    const stats = this.finish(b, zz, land, wOut, events);
    return { stats, a: land, offSupportViolation: stats.offSupportViolation };
  }

  /** From λ_max down the path to the floor, or to just above the entry of a (K+1)-th concept. */
  private walkDown(b: Float64Array, zz: number, wOut: Float64Array): CappedRowStats {
    const { c, options, alpha, beta, inSupport, dependent } = this;
    const floor = options.lambda / 2;
    this.size = 0;
    this.inSupport.fill(0);
    let top = 0;
    for (let j = 1; j < c; j++) if (b[j] > b[top]) top = j;
    if (b[top] <= floor) return this.finish(b, zz, floor, wOut, 0);

    this.chol.reset();
    this.dependent.fill(0);
    // At λ_max, w = 0 and the gradient is b: α = b, β = 0 until the first support is solved.
    alpha.set(b);
    beta.fill(0);
    let a = b[top];
    this.add(top);
    let lastAdded = top;
    let lastRemoved = -1;
    let events = 0;
    for (;;) {
      this.solveSupport(b);
      this.updateGradientLine(a);
      if (events++ >= options.maxIterations) return this.finish(b, zz, a, wOut, events);
      let next = floor;
      let enter = -1;
      let leave = -1;
      for (let j = 0; j < c; j++) {
        const slope = 1 - beta[j];
        // j enters at α_j / slope if g_j − a grows as a falls; most are due below `next` (a product says so
        // without dividing: this loop runs c times per event).
        if (!(slope > 0) || alpha[j] < next * slope * (1 - 1e-12)) continue;
        if (inSupport[j] || dependent[j] || j === lastRemoved) continue;
        const at = Math.min(a, alpha[j] / slope);
        if (at > next) {
          next = at;
          enter = j;
          leave = -1;
        }
      }
      for (let i = 0; i < this.size; i++) {
        if (this.q[i] >= 0 || this.support[i] === lastAdded) continue; // its weight grows as a falls
        const at = Math.min(a, this.p[i] / this.q[i]);
        if (at > next) {
          next = at;
          leave = i;
          enter = -1;
        }
      }
      if (enter < 0 && leave < 0) return this.finish(b, zz, floor, wOut, events);
      if (enter >= 0 && this.size === options.maxConcepts)
        // Stop just above the event, where the K weights are exact and the next concept is not yet due.
        return this.finish(b, zz, Math.min(a, next * (1 + 1e-6)), wOut, events);
      a = next;
      if (leave >= 0) {
        lastRemoved = this.support[leave];
        lastAdded = -1;
        this.remove(leave);
        this.dependent.fill(0); // a smaller support may leave room for them
      } else if (this.add(enter)) {
        lastAdded = enter;
        lastRemoved = -1;
      } else this.dependent[enter] = 1;
    }
  }

  /**
   * β = G_{:,S}·q for the support as it is now (one pass over its Gram rows), and α such that α + a·β, the gradient
   * at the event a, stays what it was: the path is continuous there.
   */
  private updateGradientLine(a: number): void {
    const { kernel, size: s, alpha, beta } = this;
    kernel.b.fill(0);
    for (let i = 0; i < s; i++) kernel.weights[i] = -this.q[i];
    kernel.gradient(s); // g = 0 − Σ(−q_i)·G_{S_i} = G_{:,S}·q
    const g = kernel.g;
    for (let j = 0; j < this.c; j++) {
      alpha[j] += a * (beta[j] - g[j]);
      beta[j] = g[j];
    }
  }

  /** p = G_SS⁻¹·b_S and q = G_SS⁻¹·1 for the support as it is now. */
  private solveSupport(b: Float64Array): void {
    const { kernel, size: s } = this;
    const rhs = kernel.vecA;
    const out = kernel.vecB;
    for (let i = 0; i < s; i++) rhs[i] = b[this.support[i]];
    this.chol.solve(rhs, out);
    this.p.set(out.subarray(0, s));
    rhs.fill(1, 0, s);
    this.chol.solve(rhs, out);
    this.q.set(out.subarray(0, s));
  }

  /** Writes w_S(a) = p − a·q (the solution at λ = 2a) and its statistics at that λ, from a full gradient pass. */
  private finish(
    b: Float64Array,
    zz: number,
    a: number,
    wOut: Float64Array,
    iterations: number,
  ): CappedRowStats & { offSupportViolation: number } {
    const { kernel, support, size: s } = this;
    wOut.fill(0);
    kernel.b.set(b);
    let kept = 0;
    for (let i = 0; i < s; i++) {
      const w = Math.max(0, this.p[i] - a * this.q[i]);
      kernel.weights[i] = w;
      wOut[support[i]] = w;
      if (w > 0) kept++;
    }
    kernel.gradient(s);
    const g = kernel.g;
    let wb = 0;
    let wg = 0;
    let l1 = 0;
    for (let i = 0; i < s; i++) {
      const w = kernel.weights[i];
      wb += w * b[support[i]];
      wg += w * g[support[i]];
      l1 += w;
    }
    let maxGrad = -Infinity;
    let offSupportViolation = 0;
    for (let j = 0; j < this.c; j++) {
      if (g[j] > maxGrad) maxGrad = g[j];
      if (!this.inSupport[j] && g[j] - a > offSupportViolation) offSupportViolation = g[j] - a;
    }
    const rr = Math.max(0, zz - wb - wg);
    const gap = dualityGap({ a, rr, rz: zz - wb, l1, maxGrad });
    this.size = 0;
    return {
      offSupportViolation,
      objective: rr + 2 * a * l1,
      gap,
      iterations,
      converged: gap <= this.options.tol * zz,
      l0: kept,
      lambda: 2 * a,
    };
  }

  private add(j: number): boolean {
    const { kernel, support } = this;
    const stride = kernel.b.length;
    const cross = kernel.vecA;
    for (let i = 0; i < this.size; i++) cross[i] = kernel.gram[support[i] * stride + j];
    if (!this.chol.tryAdd(cross, kernel.gram[j * stride + j], this.options.rankTolerance, kernel.vecB)) return false;
    support[this.size++] = j;
    this.inSupport[j] = 1;
    return true;
  }

  private remove(i: number): void {
    this.inSupport[this.support[i]] = 0;
    this.chol.remove(i);
    this.support.copyWithin(i, i + 1, this.size);
    this.size--;
  }
}
