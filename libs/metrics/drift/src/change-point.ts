import type { TwoSamplePlan } from './offline-drift';
import { columnSeries } from './sparse-frames';

/**
 * Where the current set departs from the reference, for the changed features S: the τ that maximizes
 * Σ_{j∈S} (Σ_{t≥τ} (x_tj − μ_R,j)/σ_j)² / (n_C − τ), the evidence that frames τ… all moved (a least-squares fit of
 * one step). `scan` holds that value for every τ (for plots).
 */
export function changeIndex(plan: TwoSamplePlan, features: readonly number[]): { index: number; scan: Float64Array } {
  const n = plan.current.rows;
  const scan = new Float64Array(n);
  for (const j of features) {
    const x = columnSeries(plan.current, j);
    let tail = 0;
    for (let t = n - 1; t >= 0; t--) {
      tail += (x[t] - plan.referenceMean[j]) / plan.scale[j];
      scan[t] += tail * tail;
    }
  }
  let index = 0;
  for (let t = 0; t < n; t++) {
    scan[t] /= n - t;
    if (scan[t] > scan[index]) index = t;
  }
  return { index, scan };
}
