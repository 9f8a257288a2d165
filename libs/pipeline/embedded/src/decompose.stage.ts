import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import type { ConceptFrame } from './concept-frame';
import type { EncodedBatch } from './encode.stage';

export interface DecomposeStageOptions {
  lambda: number;
  /** concepts kept per frame, largest first */
  top: number;
}

/** Decomposer stage: each batch of embeddings → one concept frame per window, in order. */
export async function* decomposeBatches(
  batches: AsyncIterable<EncodedBatch>,
  space: ConceptSpace,
  stream: string,
  options: DecomposeStageOptions,
): AsyncIterable<ConceptFrame> {
  for await (const batch of batches) {
    const n = batch.windows.length;
    const result = await space.decompose(batch.embeddings, n, { lambda: options.lambda });
    for (let i = 0; i < n; i++) {
      const window = batch.windows[i];
      const weights = result.weights.subarray(i * space.c, (i + 1) * space.c);
      yield {
        stream,
        windowSeq: window.seq,
        startS: window.startS,
        endS: window.endS,
        concepts: space.topConcepts(weights, options.top).map(({ label, weight }) => ({ label, weight })),
        cosine: result.cosine[i],
        l0: result.l0[i],
      };
    }
  }
}
