import { ActiveSetSolver, type RowStats } from './active-set.solver';
import { MaxConceptsSolver } from './max-concepts.solver';
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
  /** the λ each row's solution is exact for: the options' λ, or higher where `maxConcepts` capped the row */
  lambdas: Float64Array;
  /** n×c starting weights (warm start), or absent */
  warmStart?: Float64Array;
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
  const solveRow = rowSolver(kernel, c, options, job);
  for (;;) {
    const start = Atomics.add(job.nextRow, 0, ROWS_PER_CLAIM);
    if (start >= n) return;
    const end = Math.min(n, start + ROWS_PER_CLAIM);
    for (let i = start; i < end; i++) {
      const stats = solveRow(i);
      job.objective[i] = stats.objective;
      job.gap[i] = stats.gap;
      job.iterations[i] = stats.iterations;
      job.l0[i] = stats.l0;
      job.converged[i] = stats.converged ? 1 : 0;
    }
  }
}

/** Solves row i into the job's buffers: capped by `maxConcepts` (which sets its λ), or at the options' λ. */
function rowSolver(
  kernel: SolverKernels,
  c: number,
  options: ResolvedLassoOptions,
  job: SolveJobBuffers,
): (i: number) => RowStats {
  const row = (buffer: Float64Array, i: number) => buffer.subarray(i * c, (i + 1) * c);
  if (options.maxConcepts > 0) {
    const capped = new MaxConceptsSolver(kernel, c, options);
    return (i) => {
      const stats = capped.solveRow(row(job.correlations, i), job.squaredNorms[i], row(job.weights, i));
      job.lambdas[i] = stats.lambda;
      return stats;
    };
  }
  const solver = new ActiveSetSolver(kernel, c, options);
  const warm = job.warmStart;
  return (i) => {
    job.lambdas[i] = options.lambda;
    return solver.solveRow(row(job.correlations, i), job.squaredNorms[i], row(job.weights, i), warm && row(warm, i));
  };
}
