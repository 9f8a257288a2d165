import type { Rng } from './random';

/** The embedding dimension, as LAION CLAP's. */
export const EMBEDDING_DIM = 512;

/**
 * The shared space both towers write into: one random unit direction per concept (nearly orthogonal in 512
 * dimensions), and a "sound" direction for what every sound (and every prompt) has in common.
 */
export interface EmbeddingSpace {
  readonly d: number;
  /** conceptsKxD[k] is the direction of the k-th demo concept (vocabulary order), unit length. */
  readonly conceptsKxD: Float32Array;
  /** Unit length, independent of the concepts. */
  readonly soundD: Float32Array;
}

/** A random unit vector of `d` Gaussian draws. */
export function randomDirection(rng: Rng, d: number): Float32Array {
  const v = new Float64Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    v[i] = rng.normal();
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  return Float32Array.from(v, (x) => x / norm);
}

/** The space of `nConcepts` concepts (one direction each, drawn in order) in `d` dimensions. */
export function createEmbeddingSpace(rng: Rng, nConcepts: number, d = EMBEDDING_DIM): EmbeddingSpace {
  const conceptsKxD = new Float32Array(nConcepts * d);
  const concepts = rng.fork('concept directions');
  for (let k = 0; k < nConcepts; k++) conceptsKxD.set(randomDirection(concepts, d), k * d);
  return { d, conceptsKxD, soundD: randomDirection(rng.fork('sound direction'), d) };
}
