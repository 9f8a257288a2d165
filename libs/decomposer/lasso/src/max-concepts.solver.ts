import { IncrementalCholesky } from './cholesky';
import { dualityGap } from './duality-gap';
import type { ResolvedLassoOptions } from './lasso.options';
import type { RowStats } from './active-set.solver';
import type { SolverKernels } from './shared-gram';

/** A row's outcome when its number of concepts is capped: the λ the solution is exact for comes with it. */
export interface CappedRowStats extends RowStats {
  lambda: number;
}

/** Concepts watched between two full gradient passes: this many at least, or 4·K. */
const MIN_WATCHED = 64;

/**
 * Target sparsity: the point of the non-negative Lasso path with the best fit that uses at most K concepts, no
 * lower than λ = `options.lambda` (the floor).
 *
 * Follows the path (homotopy) from λ_max = 2·max_j b_j downwards, in a = λ/2. On a support S the solution is
 * w_S(a) = p − a·q with p = G_SS⁻¹·b_S and q = G_SS⁻¹·1, and the gradient off S is g_j(a) = α_j + a·β_j with
 * β = G_{:,S}·q; both are linear in a between events. The next event is the largest a below the current one where
 * a concept would enter (g_j(a) = a) or a weight would reach zero (leave). The walk stops at the floor, or just above
 * the event where a (K+1)-th concept would enter: there the K weights are still exact (every off-support g_j < a),
 * so the answer satisfies the optimality conditions of DESIGN §1 at the λ reported, and the residual only shrinks
 * along the path, so no point of it further down with at most K concepts fits better before that event.
 *
 * Cost: an event needs β only for the concepts that can enter soon. A full gradient pass (O(c·|S|)) at a reference
 * point a_ref picks the M concepts closest to entering (the watched set W) and the margin m by which every other one
 * is below a_ref. Moving to a, the residual moves by ρ = ‖Cᵀ(w(a) − w(a_ref))‖ (from the Gram matrix, O(|S|²)),
 * and an unwatched g_j by at most ρ (unit concepts): none can enter while ρ + (a_ref − a) ≤ m. Events update β on W
 * only (O(|W|·|S|)); when the bound would fail, a new pass re-picks W (and if even then it fails, that event scans
 * all c concepts).
 */
export class MaxConceptsSolver {
  private readonly chol: IncrementalCholesky;
  private readonly support: Int32Array;
  private readonly inSupport: Uint8Array;
  /** concepts that are combinations of the support (collinear): they cannot enter it */
  private readonly dependent: Uint8Array;
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private size = 0;
  /** the watched concepts and their α, β (aligned by position) */
  private readonly watched: Int32Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly betaNext: Float64Array;
  private watchedSize = 0;
  /** every concept is watched (β comes from the SIMD kernel over all c) */
  private watchAll = false;
  /** the reference point: its a, the margin m and its weights (dense, and which entries are set) */
  private refA = 0;
  private margin = 0;
  private readonly refWeights: Float64Array;
  private readonly refMembers: Int32Array;
  private refSize = 0;
  private readonly sorted: Float64Array;
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly union: Int32Array;
  private readonly delta: Float64Array;

  constructor(
    private readonly kernel: SolverKernels,
    private readonly c: number,
    private readonly options: ResolvedLassoOptions,
  ) {
    this.chol = new IncrementalCholesky(kernel);
    this.support = kernel.rows;
    this.inSupport = new Uint8Array(c);
    this.dependent = new Uint8Array(c);
    this.p = new Float64Array(kernel.capacity);
    this.q = new Float64Array(kernel.capacity);
    this.watched = new Int32Array(c);
    this.alpha = new Float64Array(c);
    this.beta = new Float64Array(c);
    this.betaNext = new Float64Array(c);
    this.refWeights = new Float64Array(c);
    this.refMembers = new Int32Array(kernel.capacity);
    this.sorted = new Float64Array(c);
    this.seen = new Int32Array(c);
    this.union = new Int32Array(2 * kernel.capacity);
    this.delta = new Float64Array(2 * kernel.capacity);
  }

  /** Solves one row: `b` = C·z, `zz` = ‖z‖² (> 0); writes all c weights into `wOut`. */
  solveRow(b: Float64Array, zz: number, wOut: Float64Array): CappedRowStats {
    const { c, options } = this;
    const floor = options.lambda / 2;
    wOut.fill(0);
    this.size = 0;
    let top = 0;
    for (let j = 1; j < c; j++) if (b[j] > b[top]) top = j;
    if (b[top] <= floor) return this.finish(b, zz, floor, wOut, 0);

    this.chol.reset();
    this.inSupport.fill(0);
    this.dependent.fill(0);
    this.clearReference();
    let a = b[top];
    this.add(top);
    this.solveSupport(b);
    this.watch(b, a, false);
    let lastAdded = top;
    let lastRemoved = -1;
    let events = 0;
    for (;;) {
      if (events++ >= options.maxIterations) return this.finish(b, zz, a, wOut, events);
      let event = this.nextEvent(a, floor, lastAdded, lastRemoved);
      if (!this.unwatchedStayOut(event.at)) {
        this.watch(b, a, false);
        event = this.nextEvent(a, floor, lastAdded, lastRemoved);
        if (!this.unwatchedStayOut(event.at)) {
          this.watch(b, a, true);
          event = this.nextEvent(a, floor, lastAdded, lastRemoved);
        }
      }
      const { at, enter, leave } = event;
      if (enter < 0 && leave < 0) return this.finish(b, zz, floor, wOut, events);
      if (enter >= 0 && this.size === options.maxConcepts)
        // Stop just above the event, where the K weights are exact and the next concept is not yet due.
        return this.finish(b, zz, Math.min(a, at * (1 + 1e-6)), wOut, events);
      const gradientAtEvent = (t: number) => this.alpha[t] + at * this.beta[t];
      a = at;
      if (leave >= 0) {
        lastRemoved = this.support[leave];
        lastAdded = -1;
        this.remove(leave);
        this.dependent.fill(0); // a smaller support may leave room for them
        if (!this.watchAll) this.watchAlso(lastRemoved, a);
      } else {
        const j = this.watched[enter];
        if (this.add(j)) {
          lastAdded = j;
          lastRemoved = -1;
        } else this.dependent[j] = 1;
      }
      // α + a·β is the gradient at the event, which the new support keeps: α = g(a) − a·β_new.
      for (let t = 0; t < this.watchedSize; t++) this.alpha[t] = gradientAtEvent(t);
      this.beta.fill(0, 0, this.watchedSize);
      this.solveSupport(b);
      this.updateBeta(a);
    }
  }

  /** The next event below a: a watched concept entering (its position in W) or a member leaving. */
  private nextEvent(a: number, floor: number, lastAdded: number, lastRemoved: number) {
    let at = floor;
    let enter = -1;
    let leave = -1;
    for (let t = 0; t < this.watchedSize; t++) {
      const j = this.watched[t];
      if (this.inSupport[j] || this.dependent[j] || j === lastRemoved) continue;
      const slope = 1 - this.beta[t];
      if (!(slope > 0)) continue; // g_j − a does not grow as a falls: j never enters
      const when = Math.min(a, this.alpha[t] / slope);
      if (when > at) {
        at = when;
        enter = t;
        leave = -1;
      }
    }
    for (let i = 0; i < this.size; i++) {
      if (this.q[i] >= 0 || this.support[i] === lastAdded) continue; // its weight grows as a falls
      const when = Math.min(a, this.p[i] / this.q[i]);
      if (when > at) {
        at = when;
        leave = i;
        enter = -1;
      }
    }
    return { at, enter, leave };
  }

  /** Whether no unwatched concept can have entered by a: ρ(a) + (a_ref − a) ≤ m (see the class comment). */
  private unwatchedStayOut(a: number): boolean {
    if (this.watchAll) return true;
    const slack = this.margin - (this.refA - a);
    if (slack < 0) return false;
    return this.residualShift(a) <= slack;
  }

  /** ρ = ‖Cᵀ(w(a) − w_ref)‖ over the union of the support and the reference's members. */
  private residualShift(a: number): number {
    const { union, delta, seen, kernel } = this;
    const stride = kernel.b.length;
    const gram = kernel.gram;
    const stamp = ++this.stamp;
    let u = 0;
    for (let i = 0; i < this.size; i++) {
      const j = this.support[i];
      seen[j] = stamp;
      union[u] = j;
      delta[u++] = this.p[i] - a * this.q[i] - this.refWeights[j];
    }
    for (let r = 0; r < this.refSize; r++) {
      const j = this.refMembers[r];
      if (seen[j] === stamp) continue;
      union[u] = j;
      delta[u++] = -this.refWeights[j];
    }
    let sq = 0;
    for (let x = 0; x < u; x++) {
      const row = union[x] * stride;
      let s = 0;
      for (let y = 0; y < u; y++) s += gram[row + union[y]] * delta[y];
      sq += delta[x] * s;
    }
    return Math.sqrt(Math.max(0, sq));
  }

  /**
   * A full gradient pass at a (the support and p, q as they are): the new reference point, and the watched set:
   * the M off-support concepts with the largest gradient (all of them with `all`), with their α, β.
   */
  private watch(b: Float64Array, a: number, all: boolean): void {
    const { kernel, c, size: s } = this;
    kernel.b.set(b);
    for (let i = 0; i < s; i++) kernel.weights[i] = this.p[i] - a * this.q[i];
    kernel.gradient(s);
    const g = kernel.g;
    const wanted = Math.max(MIN_WATCHED, 4 * this.options.maxConcepts);
    let threshold = -Infinity;
    this.watchAll = all || c - s <= wanted;
    if (!this.watchAll) {
      let n = 0;
      for (let j = 0; j < c; j++) if (!this.inSupport[j]) this.sorted[n++] = g[j];
      const values = this.sorted.subarray(0, n).sort();
      threshold = values[n - 1 - wanted];
    }
    this.watchedSize = 0;
    for (let j = 0; j < c; j++)
      if (this.watchAll || (!this.inSupport[j] && g[j] > threshold)) {
        this.watched[this.watchedSize] = j;
        this.alpha[this.watchedSize] = g[j]; // with β = 0 until updateBeta: α = g(a) − a·β
        this.beta[this.watchedSize++] = 0;
      }
    this.margin = this.watchAll ? Infinity : a - threshold;
    this.clearReference();
    this.refA = a;
    for (let i = 0; i < s; i++) {
      const j = this.support[i];
      this.refWeights[j] = kernel.weights[i];
      this.refMembers[this.refSize++] = j;
    }
    this.updateBeta(a);
  }

  /** A member that just left (g_j = a) joins the watched set. */
  private watchAlso(j: number, a: number): void {
    for (let t = 0; t < this.watchedSize; t++) if (this.watched[t] === j) return;
    this.watched[this.watchedSize] = j;
    this.alpha[this.watchedSize] = a;
    this.beta[this.watchedSize++] = 0;
  }

  /** β = G_{W,S}·q for the new q, and α shifted so that α + a·β (the gradient at a) stays the same. */
  private updateBeta(a: number): void {
    const { kernel, size: s, watchedSize: n, alpha, beta } = this;
    const next = this.betaNext;
    if (this.watchAll) {
      kernel.b.fill(0);
      for (let i = 0; i < s; i++) kernel.weights[i] = -this.q[i];
      kernel.gradient(s); // g = 0 − Σ(−q_i)·G_{S_i} = G_{:,S}·q
      for (let t = 0; t < n; t++) next[t] = kernel.g[this.watched[t]];
    } else {
      const stride = kernel.b.length;
      const gram = kernel.gram;
      next.fill(0, 0, n);
      for (let i = 0; i < s; i++) {
        const row = this.support[i] * stride;
        const qi = this.q[i];
        for (let t = 0; t < n; t++) next[t] += qi * gram[row + this.watched[t]];
      }
    }
    for (let t = 0; t < n; t++) {
      alpha[t] -= a * next[t] - a * beta[t];
      beta[t] = next[t];
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

  private clearReference(): void {
    for (let r = 0; r < this.refSize; r++) this.refWeights[this.refMembers[r]] = 0;
    this.refSize = 0;
  }

  /** Writes w_S(a) = p − a·q (the solution at λ = 2a) and its statistics at that λ, from a full gradient pass. */
  private finish(b: Float64Array, zz: number, a: number, wOut: Float64Array, iterations: number): CappedRowStats {
    const { kernel, support, size: s } = this;
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
    for (let j = 0; j < this.c; j++) if (g[j] > maxGrad) maxGrad = g[j];
    const rr = Math.max(0, zz - wb - wg);
    const gap = dualityGap({ a, rr, rz: zz - wb, l1, maxGrad });
    this.size = 0;
    return {
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
