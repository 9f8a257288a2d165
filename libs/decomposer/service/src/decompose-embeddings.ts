import type { AudioEmbedding, ConceptFrame } from '@audio-concepts/shared-contracts';
import type { ConceptDecomposition, ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';

export interface DecomposeEmbeddingsOptions {
  /** the L1 penalty λ (DESIGN §1), finite and ≥ 0 */
  lambda: number;
  /** concepts listed per frame, largest weight first (a non-negative integer or Infinity); l0 counts them all */
  topK: number;
  /** id of the projection head the embeddings already went through ("" or absent: none); copied to the frames */
  headId?: string;
}

/**
 * The decomposer's rule, shared by its Kafka and gRPC transports: each embedding → one `ConceptFrame` over `space`
 * (concept_space_id = space.id, λ, the top-K concepts {index, label, weight} largest first, cosine, l0), carrying
 * stream id, window seq, start, duration and ingest time through.
 *
 * Each embedding is checked first (length d, finite values, not all zeros); the valid ones are decomposed in one
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
  const results: Array<ConceptFrame | Error | undefined> = embeddings.map((e, row) => checkEmbedding(space, e, row));
  const valid: number[] = [];
  results.forEach((result, i) => {
    if (result === undefined) valid.push(i);
  });

  if (valid.length === 0) return results as Array<ConceptFrame | Error>;
  try {
    const decomposition = await decomposeRows(space, embeddings, valid, options.lambda);
    valid.forEach((i, row) => (results[i] = frameOf(space, embeddings[i], decomposition, row, options)));
  } catch (error) {
    // The space refused the batch for one row's sake (e.g. an embedding equal to the audio mean m_a): find which,
    // one at a time, so that the others still get their frames. Anything else is not the input's fault.
    if (!(error instanceof InvalidInputError)) throw error;
    for (const i of valid) {
      try {
        results[i] = frameOf(
          space,
          embeddings[i],
          await decomposeRows(space, embeddings, [i], options.lambda),
          0,
          options,
        );
      } catch (itemError) {
        if (!(itemError instanceof InvalidInputError)) throw itemError;
        results[i] = new InvalidInputError(`${itemName(embeddings[i])}: ${itemError.message}`, { cause: itemError });
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
  if (!(options.topK === Infinity || (Number.isInteger(options.topK) && options.topK >= 0)))
    throw new InvalidInputError(`topK is ${options.topK}, expected a non-negative integer or Infinity`);
}

/** Why `embedding` (row `row` of the batch) cannot be decomposed, or undefined when it can. */
function checkEmbedding(space: ConceptSpace, embedding: AudioEmbedding, row: number): Error | undefined {
  const { vector } = embedding;
  const length = vector?.length ?? 0;
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
  return undefined;
}

async function decomposeRows(
  space: ConceptSpace,
  embeddings: readonly AudioEmbedding[],
  rows: readonly number[],
  lambda: number,
): Promise<ConceptDecomposition> {
  const { d } = space;
  // Float64 keeps the values exactly as given (wire floats are float32, which float64 holds exactly).
  const embeddingsNxD = new Float64Array(rows.length * d);
  rows.forEach((i, row) => embeddingsNxD.set(embeddings[i].vector, row * d));
  return space.decompose(embeddingsNxD, rows.length, { lambda });
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
  return {
    streamId: embedding.streamId,
    windowSeq: embedding.windowSeq,
    startMs: embedding.startMs,
    durationMs: embedding.durationMs,
    conceptSpaceId: space.id,
    headId: options.headId ?? '',
    lambda: options.lambda,
    concepts: space.topConcepts(weightsC, options.topK).map(({ index, label, weight }) => ({ index, label, weight })),
    cosine: decomposition.cosine[row],
    l0: decomposition.l0[row],
    ingestedAtMs: embedding.ingestedAtMs,
  };
}
