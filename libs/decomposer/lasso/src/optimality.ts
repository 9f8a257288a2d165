/** How far a solution is from the optimality conditions of DESIGN §1, measured from C and z directly. */
export interface OptimalityReport {
  /** max over w_j > 0 of |g_j − λ/2| */
  supportResidual: number;
  /** max over w_j = 0 of max(0, g_j − λ/2) */
  offSupportViolation: number;
  /** min_j w_j (must be ≥ 0) */
  minWeight: number;
  /** ‖Cᵀw − z‖² + λ‖w‖₁ */
  objective: number;
}

/**
 * Checks one solution w (length c) of min_{w≥0} ‖Cᵀw − z‖² + λ‖w‖₁ with g = C(z − Cᵀw) computed in
 * float64 from the dictionary itself, independently of the solver's Gram-matrix bookkeeping.
 */
export function checkOptimality(
  conceptsKxD: ArrayLike<number>,
  c: number,
  d: number,
  z: ArrayLike<number>,
  w: ArrayLike<number>,
  lambda: number,
): OptimalityReport {
  const residual = Float64Array.from({ length: d }, (_, t) => z[t]);
  let l1 = 0;
  let minWeight = Infinity;
  for (let j = 0; j < c; j++) {
    const wj = w[j];
    minWeight = Math.min(minWeight, wj);
    if (wj === 0) continue;
    l1 += wj;
    for (let t = 0; t < d; t++) residual[t] -= wj * conceptsKxD[j * d + t];
  }
  const half = lambda / 2;
  let supportResidual = 0;
  let offSupportViolation = 0;
  for (let j = 0; j < c; j++) {
    let g = 0;
    for (let t = 0; t < d; t++) g += conceptsKxD[j * d + t] * residual[t];
    if (w[j] > 0) supportResidual = Math.max(supportResidual, Math.abs(g - half));
    else offSupportViolation = Math.max(offSupportViolation, g - half);
  }
  let rr = 0;
  for (let t = 0; t < d; t++) rr += residual[t] * residual[t];
  return { supportResidual, offSupportViolation, minWeight, objective: rr + lambda * l1 };
}
