import { InvalidInputError } from '@audio-concepts/shared-errors';

/** Tuning and stopping rules of the non-negative Lasso solver. Every tolerance is named and documented here. */
export interface LassoOptions {
  /** The paper's L1 penalty λ in ‖Cᵀw − z‖² + λ‖w‖₁ (≥ 0). */
  lambda: number;
  /**
   * Stopping rule, scikit-learn's: duality gap ≤ tol·‖z‖² (DESIGN §1). The active-set method ends with a gap
   * near machine precision; `tol` decides whether a row is reported as converged. Default 1e-6.
   */
  tol?: number;
  /** Cap on active-set iterations per row (each adds violators and re-solves the support system). Default 1000. */
  maxIterations?: number;
  /**
   * A concept whose correlation with the residual exceeds λ/2 by more than `violationTolerance·(λ/2) + 1e-13`
   * is a KKT violator and enters the support. Keeps exact ties (duplicated concepts) from churning. Default 1e-9.
   */
  violationTolerance?: number;
  /**
   * A candidate is linearly dependent on the support when its squared Cholesky pivot is at most
   * `rankTolerance` times its squared norm; it is then swapped in by an exchange step. Default 1e-10.
   */
  rankTolerance?: number;
  /** Largest number of violators added per iteration (the largest first). Default 12 (measured fastest of 4–24 on the benchmark problem). */
  violatorsPerStep?: number;
  /**
   * Target sparsity: at most this many non-zero concepts per row. Each row then gets the best-fitting point of the
   * Lasso path with at most K concepts at a λ no lower than `lambda`, and reports the λ it is exact for. 0: no cap.
   */
  maxConcepts?: number;
}

export type ResolvedLassoOptions = Required<LassoOptions>;

export const LASSO_DEFAULTS: Omit<ResolvedLassoOptions, 'lambda'> = {
  tol: 1e-6,
  maxIterations: 1000,
  violationTolerance: 1e-9,
  rankTolerance: 1e-10,
  violatorsPerStep: 12,
  maxConcepts: 0,
};

export function resolveLassoOptions(options: LassoOptions): ResolvedLassoOptions {
  const resolved = { ...LASSO_DEFAULTS, ...stripUndefined(options) } as ResolvedLassoOptions;
  const bad: string[] = [];
  if (!Number.isFinite(resolved.lambda) || resolved.lambda < 0)
    bad.push(`lambda must be a finite number ≥ 0, got ${resolved.lambda}`);
  if (!(resolved.tol > 0)) bad.push(`tol must be > 0, got ${resolved.tol}`);
  if (!Number.isInteger(resolved.maxIterations) || resolved.maxIterations < 1)
    bad.push(`maxIterations must be an integer ≥ 1, got ${resolved.maxIterations}`);
  if (!(resolved.violationTolerance >= 0))
    bad.push(`violationTolerance must be ≥ 0, got ${resolved.violationTolerance}`);
  if (!(resolved.rankTolerance > 0 && resolved.rankTolerance < 1))
    bad.push(`rankTolerance must be in (0, 1), got ${resolved.rankTolerance}`);
  if (!Number.isInteger(resolved.violatorsPerStep) || resolved.violatorsPerStep < 1)
    bad.push(`violatorsPerStep must be an integer ≥ 1, got ${resolved.violatorsPerStep}`);
  if (!Number.isInteger(resolved.maxConcepts) || resolved.maxConcepts < 0)
    bad.push(`maxConcepts must be an integer ≥ 1 (or 0 for no cap), got ${resolved.maxConcepts}`);
  if (bad.length > 0) throw new InvalidInputError(`invalid Lasso options: ${bad.join('; ')}`);
  return resolved;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
