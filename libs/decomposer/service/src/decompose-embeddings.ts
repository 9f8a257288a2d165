import { vectorOf, type AudioEmbedding, type ConceptFrame } from '@audio-concepts/shared-contracts';
import type { ConceptDecomposition, ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import type { LiveHead } from './head-book';

export interface DecomposeEmbeddingsOptions {
  /** the L1 penalty λ (DESIGN §1), finite and ≥ 0 */
  lambda: number;
  /**
   * Target sparsity: at most K non-zero concepts per frame, λ raised above `lambda` as far as needed (each frame
   * carries the λ its solution is exact for). Absent or 0: no cap.
   */
  maxConcepts?: number;
  /**
   * Concepts listed per frame, largest weight first: absent (or Infinity) lists every non-zero one, as frames on
   * Kafka carry them; an integer ≥ 1 cuts the list (a gRPC caller's top_k). l0 counts them all either way.
   */
  topK?: number;
  /**
   * a projection head: each embedding e is decomposed as H·L2(e) over the head's space (m_a of the projected corpus);
   * frames carry its id in head_id and the base space's id in concept_space_id. Absent: no head (head_id "").
   */
  head?: LiveHead;
}

/**
 * The decomposer's rule, shared by its Kafka and gRPC transports: each embedding → one `ConceptFrame` over `space`
 * (concept_space_id = space.id, the λ of its solution, every non-zero concept {index, label, weight} largest first, or the top K of them
 * when `topK` is given; cosine, l0, fit), carrying stream id, window seq, start, duration and ingest time through.
 *
 * Each embedding is checked first (the space's model id, length d, finite values, not all zeros); the valid ones are decomposed in one
 * batched `space.decompose`. A bad embedding does not fail the others: its slot holds the Error
 * (ShapeMismatchError, NonFiniteValueError or InvalidInputError, naming stream and window). Bad options, or a
 * failure of the solver itself, throw.
 */
export async function decomposeEmbeddings(
  space: ConceptSpace,
  embeddings: readonly AudioEmbedding[],
  options: DecomposeEmbeddingsOptions,
): Promise<Array<ConceptFrame | Error>> {
  checkOptions(options);
  // Every slot is filled below: an Error now, or a frame once the batch is decomposed.
  const results: Array<ConceptFrame | Error | undefined> = new Array(embeddings.length);
  const valid: { index: number; vector: Float32Array }[] = [];
  embeddings.forEach((embedding, index) => {
    const checked = checkEmbedding(space, embedding, index);
    if (checked instanceof Error) results[index] = checked;
    else valid.push({ index, vector: checked });
  });

  if (valid.length === 0) return results as Array<ConceptFrame | Error>;
  try {
    const decomposition = await decomposeRows(space, valid, options);
    valid.forEach(
      ({ index }, row) => (results[index] = frameOf(space, embeddings[index], decomposition, row, options)),
    );
  } catch (error) {
    // The space refused the batch for one row's sake (e.g. an embedding equal to the audio mean m_a): find which,
    // one at a time, so that the others still get their frames. Anything else is not the input's fault.
    if (!(error instanceof InvalidInputError)) throw error;
    for (const one of valid) {
      const embedding = embeddings[one.index];
      try {
        results[one.index] = frameOf(space, embedding, await decomposeRows(space, [one], options), 0, options);
      } catch (itemError) {
        if (!(itemError instanceof InvalidInputError)) throw itemError;
        results[one.index] = new InvalidInputError(`${itemName(embedding)}: ${itemError.message}`, {
          cause: itemError,
        });
      }
    }
  }
  return results as Array<ConceptFrame | Error>;
}

/** `embedding of stream "s1" window 7` */
export function itemName(embedding: AudioEmbedding): string {
  return `embedding of stream ${JSON.stringify(embedding.streamId)} window ${embedding.windowSeq}`;
}

function checkOptions(options: DecomposeEmbeddingsOptions): void {
  if (!Number.isFinite(options.lambda) || options.lambda < 0)
    throw new InvalidInputError(`lambda is ${options.lambda}, expected a finite number ≥ 0`);
  const { topK, maxConcepts } = options;
  if (!(maxConcepts === undefined || (Number.isInteger(maxConcepts) && maxConcepts >= 0)))
    throw new InvalidInputError(`maxConcepts is ${maxConcepts}, expected an integer ≥ 1 (or 0 for no cap)`);
  if (!(topK === undefined || topK === Infinity || (Number.isInteger(topK) && topK >= 1)))
    throw new InvalidInputError(`topK is ${topK}, expected an integer ≥ 1 (or none for every non-zero concept)`);
}

/** The vector of `embedding` (row `row` of the batch) when it can be decomposed over `space`, else why not. */
function checkEmbedding(space: ConceptSpace, embedding: AudioEmbedding, row: number): Float32Array | Error {
  // Another model's embedding lives in another space: decomposing it would give confident nonsense.
  if (embedding.modelId !== space.metadata.modelId)
    return new InvalidInputError(
      `${itemName(embedding)} comes from model ${JSON.stringify(embedding.modelId)}, but concept space ${space.id} ` +
        `is for model ${JSON.stringify(space.metadata.modelId)}`,
    );
  let vector: Float32Array;
  try {
    vector = vectorOf(embedding);
  } catch (error) {
    return error instanceof Error ? error : new InvalidInputError(String(error));
  }
  const length = vector.length;
  if (length !== space.d)
    return new ShapeMismatchError(
      length === 0
        ? `${itemName(embedding)} is empty: expected d = ${space.d} values (model ${space.metadata.modelId})`
        : `${itemName(embedding)} has ${length} values, expected d = ${space.d} (model ${space.metadata.modelId})`,
      [space.d],
      [length],
    );
  let zeros = true;
  for (let t = 0; t < length; t++) {
    const x = vector[t];
    if (!Number.isFinite(x))
      return new NonFiniteValueError(`${itemName(embedding)} has ${x} at index ${t}: expected finite values`, row, t);
    if (x !== 0) zeros = false;
  }
  if (zeros) return new InvalidInputError(`${itemName(embedding)} is all zeros: there is nothing to decompose`);
  return vector;
}

async function decomposeRows(
  space: ConceptSpace,
  rows: readonly { vector: Float32Array }[],
  { lambda, maxConcepts, head }: DecomposeEmbeddingsOptions,
): Promise<ConceptDecomposition> {
  const { d } = space;
  const embeddingsNxD = new Float32Array(rows.length * d);
  rows.forEach(({ vector }, row) => embeddingsNxD.set(vector, row * d));
  if (!head) return space.decompose(embeddingsNxD, rows.length, { lambda, maxConcepts });
  return head.space.decompose(head.head.project(embeddingsNxD, rows.length), rows.length, { lambda, maxConcepts });
}

function frameOf(
  space: ConceptSpace,
  embedding: AudioEmbedding,
  decomposition: ConceptDecomposition,
  row: number,
  options: DecomposeEmbeddingsOptions,
): ConceptFrame {
  const { c } = space;
  const weightsC = decomposition.weights.subarray(row * c, (row + 1) * c);
  // Floats are rounded to float32 here, as the wire does: a frame in memory (`tag`) equals the one from Kafka.
  const f32 = Math.fround;
  return {
    streamId: embedding.streamId,
    windowSeq: embedding.windowSeq,
    startMs: embedding.startMs,
    durationMs: embedding.durationMs,
    conceptSpaceId: space.id,
    headId: options.head?.id ?? '',
    lambda: f32(decomposition.lambdas[row]),
    concepts: space
      .topConcepts(weightsC, options.topK ?? Infinity)
      .map(({ index, label, weight }) => ({ index, label, weight: f32(weight) })),
    cosine: f32(decomposition.cosine[row]),
    l0: decomposition.l0[row],
    ingestedAtMs: embedding.ingestedAtMs,
    fit: f32(decomposition.fit[row]),
  };
}
