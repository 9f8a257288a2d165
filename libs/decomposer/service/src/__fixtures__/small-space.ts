import type { AudioEmbedding } from '@audio-concepts/shared-contracts';
import { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';

/** A small random concept space for specs: c concepts of dimension d, m_a from a biased reference corpus. */
export function smallSpace(options: { seed?: number; c?: number; d?: number; audioMeanD?: ArrayLike<number> } = {}) {
  const { seed = 11, c = 24, d = 16 } = options;
  const normal = gaussian(mulberry32(seed));
  const textEmbeddingsCxD = Float32Array.from({ length: c * d }, () => normal());
  const offset = Array.from({ length: d }, () => normal());
  const referenceNxD = Float64Array.from({ length: 64 * d }, (_, i) => normal() + 0.5 * offset[i % d]);
  return ConceptSpace.build(
    {
      names: Array.from({ length: c }, (_, j) => `sound ${j}`),
      textEmbeddingsCxD,
      d,
      ...(options.audioMeanD ? { audioMeanD: options.audioMeanD } : { audioReferenceNxD: referenceNxD }),
      modelId: `small-${seed}`,
      vocabulary: 'test',
    },
    { threads: 1 },
  );
}

/** The model id of `smallSpace()` (seed 11). */
export const SMALL_SPACE_MODEL_ID = 'small-11';

/**
 * `n` embeddings of dimension d with float32 values (so that they cross the wire unchanged), streams `s0`, `s1`, …
 * and window seqs from 100, from model `modelId` (default: the model of `smallSpace()`).
 */
export function embeddingsOf(n: number, d: number, seed = 5, modelId = SMALL_SPACE_MODEL_ID): AudioEmbedding[] {
  const normal = gaussian(mulberry32(seed));
  return Array.from({ length: n }, (_, i) => ({
    streamId: `s${i % 3}`,
    windowSeq: 100 + i,
    startMs: 10_000 * i,
    durationMs: 10_000,
    modelId,
    vector: Array.from({ length: d }, () => Math.fround(normal())),
    vectorF32le: new Uint8Array(),
    ingestedAtMs: 1_700_000_000_000 + i,
  }));
}

/** The rows of `embeddings` as one n×d matrix. */
export function matrixOf(embeddings: readonly AudioEmbedding[], d: number): Float64Array {
  const out = new Float64Array(embeddings.length * d);
  embeddings.forEach((e, i) => out.set(e.vector, i * d));
  return out;
}
