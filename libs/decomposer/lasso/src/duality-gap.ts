/**
 * scikit-learn's duality gap for min ½‖r‖² + a·Σw (a = λ/2, r = z − Cᵀw), DESIGN §1:
 * dn = max_j g_j with g = C·r (plain max), s = a/dn if dn > a else 1,
 * gap = ½‖r‖² + a·Σw − (−½s²‖r‖² + s·rᵀz).
 */
export function dualityGap(q: { a: number; rr: number; rz: number; l1: number; maxGrad: number }): number {
  const s = q.maxGrad > q.a ? q.a / q.maxGrad : 1;
  return 0.5 * q.rr + q.a * q.l1 - (-0.5 * s * s * q.rr + s * q.rz);
}
