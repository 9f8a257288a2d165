import type { ConceptSpace } from '../concept-space';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';

/** A small random world for specs: concept text embeddings T and a varied, biased audio reference corpus. */
export interface SyntheticWorld {
  c: number;
  d: number;
  names: string[];
  /** T, c×d, Gaussian rows (float32, like real embeddings) */
  textEmbeddingsCxD: Float32Array;
  /** n×d Gaussian rows plus a shared offset, so m_a is clearly non-zero (‖m_a‖ ≈ 0.4) */
  referenceNxD: Float64Array;
  nReference: number;
  uniform: () => number;
  normal: () => number;
}

export function syntheticWorld(
  options: { seed?: number; c?: number; d?: number; nReference?: number } = {},
): SyntheticWorld {
  const { seed = 7, c = 40, d = 16, nReference = 200 } = options;
  const uniform = mulberry32(seed);
  const normal = gaussian(uniform);
  const textEmbeddingsCxD = Float32Array.from({ length: c * d }, () => normal());
  const offset = Float64Array.from({ length: d }, () => normal());
  const offsetNorm = Math.hypot(...offset);
  const referenceNxD = Float64Array.from(
    { length: nReference * d },
    (_, i) => normal() / Math.sqrt(d) + (0.5 * offset[i % d]) / offsetNorm,
  );
  const names = Array.from({ length: c }, (_, j) => `sound ${j}`);
  return { c, d, names, textEmbeddingsCxD, referenceNxD, nReference, uniform, normal };
}

/**
 * Audio embeddings made as non-negative combinations of concepts: for each plan, e (scaled by `scale`) is chosen
 * so that L2(e) = m_a + t·u with u = Σ a_j C_j and t > 0, hence z = L2(L2(e) − m_a) = L2(u) exactly.
 */
export function plantedEmbeddings(
  space: ConceptSpace,
  plans: readonly { concepts: readonly number[]; coefficients: readonly number[] }[],
  scale = 3,
): Float64Array {
  const { d } = space;
  const m = Float64Array.from(space.audioMeanD);
  const out = new Float64Array(plans.length * d);
  plans.forEach((plan, i) => {
    const u = new Float64Array(d);
    plan.concepts.forEach((j, q) => {
      for (let t = 0; t < d; t++) u[t] += plan.coefficients[q] * space.dictionaryCxD[j * d + t];
    });
    let uu = 0;
    let mu = 0;
    let mm = 0;
    for (let t = 0; t < d; t++) {
      uu += u[t] * u[t];
      mu += m[t] * u[t];
      mm += m[t] * m[t];
    }
    // ‖m + t·u‖ = 1: the positive root of uu·t² + 2·mu·t + (mm − 1) = 0 (mm < 1, so one root is positive).
    const root = (-mu + Math.sqrt(mu * mu - uu * (mm - 1))) / uu;
    for (let t = 0; t < d; t++) out[i * d + t] = scale * (m[t] + root * u[t]);
  });
  return out;
}

/** A direct, loop-by-loop L2 normalization of one vector (for checking the library against). */
export function unit(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  return Float64Array.from(v, (x) => x / norm);
}

/** Row i of a row-major matrix with `d` columns, as a copy. */
export function row(matrix: ArrayLike<number>, i: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, t) => matrix[i * d + t]);
}

export function dotOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
