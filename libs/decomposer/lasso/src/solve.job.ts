import { ActiveSetSolver } from './active-set.solver';
import type { ResolvedLassoOptions } from './lasso.options';
import type { SolverKernels } from './shared-gram';

/**
 * Shared-memory buffers of one batch. Threads claim chunks of rows through `nextRow` (an atomic counter),
 * so the split balances itself, and each row's result depends only on its own data: the output is the same
 * whatever the thread count.
 */
export interface SolveJobBuffers {
  /** b = Z·Cᵀ, n×c */
  correlations: Float64Array;
  /** ‖z_i‖², n */
  squaredNorms: Float64Array;
  /** w, n×c (written) */
  weights: Float64Array;
  objective: Float64Array;
  gap: Float64Array;
  iterations: Int32Array;
  l0: Int32Array;
  converged: Uint8Array;
  nextRow: Int32Array;
}

export const ROWS_PER_CLAIM = 8;

export function runSolveJob(
  kernel: SolverKernels,
  c: number,
  n: number,
  options: ResolvedLassoOptions,
  job: SolveJobBuffers,
): void {
  const solver = new ActiveSetSolver(kernel, c, options);
  for (;;) {
    const start = Atomics.add(job.nextRow, 0, ROWS_PER_CLAIM);
    if (start >= n) return;
    const end = Math.min(n, start + ROWS_PER_CLAIM);
    for (let i = start; i < end; i++) {
      const stats = solver.solveRow(
        job.correlations.subarray(i * c, (i + 1) * c),
        job.squaredNorms[i],
        job.weights.subarray(i * c, (i + 1) * c),
      );
      job.objective[i] = stats.objective;
      job.gap[i] = stats.gap;
      job.iterations[i] = stats.iterations;
      job.l0[i] = stats.l0;
      job.converged[i] = stats.converged ? 1 : 0;
    }
  }
}
