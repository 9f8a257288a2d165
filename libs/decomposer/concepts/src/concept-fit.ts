import { checkMatrix } from './matrix.check';
import { combineRows, dot, nrm2 } from './vector-math';

/**
 * The concept fit of each row: cos(Cᵀw, z), where z = L2(L2(e) − m_a) is what the decomposition was given and w its
 * weights (n×c); 0 where w = 0. It says how much of what sets the window apart from average audio (its direction
 * away from m_a) the concepts explain. Unlike the fidelity cos(r, L2(e)), it gets nothing for free from m_a, which
 * the reconstruction adds back whole: a window that nothing in the vocabulary describes still has a fidelity near
 * ‖m_a‖ and more, but a low fit. A cosine, so the Lasso's shrinkage of w does not lower it; a larger λ (fewer
 * concepts) does.
 */
export function conceptFit(
  dictionaryCxD: ArrayLike<number>,
  c: number,
  d: number,
  weightsNxC: ArrayLike<number>,
  zNxD: ArrayLike<number>,
  n: number,
): Float64Array {
  checkMatrix(dictionaryCxD, c, d, 'concept dictionary', ['c', 'd']);
  checkMatrix(weightsNxC, n, c, 'concept weights', ['n', 'c']);
  checkMatrix(zNxD, n, d, 'decomposition inputs z');
  const fit = new Float64Array(n);
  const u = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    combineRows(u, weightsNxC, i * c, dictionaryCxD, c, d);
    const uNorm = nrm2(d, u, 1, 0);
    const zNorm = nrm2(d, zNxD, 1, i * d);
    if (uNorm === 0 || zNorm === 0) continue;
    fit[i] = dot(d, u, 1, 0, zNxD, 1, i * d) / (uNorm * zNorm);
  }
  return fit;
}
