import type {
  AudioEmbedding,
  ConceptFrame,
  ConceptSpaceInfo,
  DecomposeRequest,
} from '@audio-concepts/shared-contracts';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import type { StageRule } from '@audio-concepts/platform-stage';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { decomposeEmbeddings } from './decompose-embeddings';
import { HeadBook, type LiveHead } from './head-book';
import { RejectedEmbeddingError, UnknownConceptSpaceError } from './decomposer.errors';
import type { DecomposerMetrics } from './decomposer.metrics';

/** Embeddings one Decompose request may carry, by default (a full batch of d = 512 is ~2.1 MB on the wire). */
export const DEFAULT_MAX_EMBEDDINGS_PER_REQUEST = 1024;

export interface DecomposerOptions {
  /** The loaded concept spaces; the first is the default ("" in a request, and the Kafka path's). */
  spaces: readonly ConceptSpace[];
  /** λ when a request gives 0, and the Kafka path's */
  lambda: number;
  /** at most this many concepts per frame (λ raised as far as needed) when a request gives 0, and the Kafka path's; 0 or absent: no cap */
  maxConcepts?: number;
  /** most embeddings in one Decompose request (default 1024) */
  maxEmbeddingsPerRequest?: number;
  metrics?: DecomposerMetrics;
  /** the projection heads of the default space, and which is live per stream group (none: no heads) */
  heads?: HeadBook;
}

/**
 * The decomposer's rules for both transports. The Kafka path decomposes a batch over the default space with the
 * default λ, a failure per item (`decomposeBatch`); a gRPC request picks its space, λ and top-K and is rejected as a
 * whole when one of its embeddings is bad (`decompose`). Frames carry every non-zero concept, largest first, unless
 * a gRPC request asks for its top K: top-K is a display choice of whoever reads the frames (DESIGN §2).
 */
export class Decomposer {
  readonly lambda: number;
  /** 0: no cap */
  readonly maxConcepts: number;
  readonly maxEmbeddingsPerRequest: number;
  private readonly spaces: readonly ConceptSpace[];
  private readonly metrics: DecomposerMetrics | undefined;
  /** the default space's projection heads and the live one per stream group */
  readonly heads: HeadBook;

  constructor(options: DecomposerOptions) {
    if (options.spaces.length === 0) throw new InvalidInputError('a decomposer needs at least one concept space');
    // 0 is allowed (`tag --lambda 0`: least squares); a gRPC request's 0 means this default.
    if (!Number.isFinite(options.lambda) || options.lambda < 0)
      throw new InvalidInputError(`default lambda is ${options.lambda}, expected a finite number ≥ 0`);
    const max = options.maxEmbeddingsPerRequest ?? DEFAULT_MAX_EMBEDDINGS_PER_REQUEST;
    if (!Number.isInteger(max) || max < 1)
      throw new InvalidInputError(`maxEmbeddingsPerRequest is ${max}, expected an integer ≥ 1`);
    this.spaces = [...options.spaces];
    this.lambda = options.lambda;
    const maxConcepts = options.maxConcepts ?? 0;
    if (!Number.isInteger(maxConcepts) || maxConcepts < 0)
      throw new InvalidInputError(`default maxConcepts is ${maxConcepts}, expected an integer ≥ 1 (or 0 for no cap)`);
    this.maxConcepts = maxConcepts;
    this.maxEmbeddingsPerRequest = max;
    this.metrics = options.metrics;
    this.heads = options.heads ?? new HeadBook(this.spaces[0]);
    if (this.heads.space !== this.spaces[0])
      throw new InvalidInputError('the head book must be for the default concept space');
  }

  get defaultSpace(): ConceptSpace {
    return this.spaces[0];
  }

  /** The space with this id; "" is the default. */
  space(conceptSpaceId: string): ConceptSpace {
    if (conceptSpaceId === '') return this.defaultSpace;
    const space = this.spaces.find((s) => s.id === conceptSpaceId);
    if (!space)
      throw new UnknownConceptSpaceError(
        conceptSpaceId,
        this.spaces.map((s) => s.id),
      );
    return space;
  }

  listConceptSpaces(): ConceptSpaceInfo[] {
    return this.spaces.map((space) => ({
      id: space.id,
      modelId: space.metadata.modelId,
      vocabulary: space.metadata.vocabulary,
      concepts: space.c,
      dimension: space.d,
    }));
  }

  /**
   * The Kafka path: the default space and λ, every non-zero concept; each slot is a frame or the item's Error. Each
   * embedding goes through the head live for its stream's group when the batch starts (the same head for the whole
   * batch: a head activated meanwhile applies from the next batch on).
   */
  async decomposeBatch(embeddings: readonly AudioEmbedding[]): Promise<Array<ConceptFrame | Error>> {
    const started = performance.now();
    const headOf = this.heads.snapshot();
    const byHead = new Map<LiveHead | undefined, number[]>();
    embeddings.forEach((embedding, i) => {
      const head = headOf(embedding.streamId);
      const rows = byHead.get(head);
      if (rows) rows.push(i);
      else byHead.set(head, [i]);
    });
    const results: Array<ConceptFrame | Error> = new Array(embeddings.length);
    for (const [head, rows] of byHead) {
      const part = await decomposeEmbeddings(
        this.defaultSpace,
        rows.map((i) => embeddings[i]),
        { lambda: this.lambda, maxConcepts: this.maxConcepts, head },
      );
      rows.forEach((i, k) => (results[i] = part[k]));
    }
    this.metrics?.observeBatch('kafka', secondsSince(started), results);
    return results;
  }

  /**
   * A Decompose request: space "" (default) or a loaded id, λ 0 → the default (else finite and > 0), max_concepts
   * 0 → the default cap (else at most that many concepts per frame, λ raised as needed), top_k 0 → every
   * non-zero concept (else the top_k largest), at most `maxEmbeddingsPerRequest` embeddings. Frames in request order; one bad embedding rejects the
   * request with a `RejectedEmbeddingError` naming it.
   */
  async decompose(request: DecomposeRequest): Promise<ConceptFrame[]> {
    const space = this.space(request.conceptSpaceId);
    const lambda = request.lambda === 0 ? this.lambda : request.lambda;
    if (!Number.isFinite(lambda) || lambda < 0)
      throw new InvalidInputError(
        `lambda is ${request.lambda}, expected a finite number > 0 (or 0 for the default ${this.lambda})`,
      );
    const topK = request.topK === 0 ? undefined : request.topK;
    const n = request.embeddings.length;
    if (n > this.maxEmbeddingsPerRequest)
      throw new InvalidInputError(
        `${n} embeddings in one request, at most ${this.maxEmbeddingsPerRequest}: split it into smaller requests`,
      );
    const started = performance.now();
    let head: LiveHead | undefined;
    if (request.headId) {
      if (space !== this.defaultSpace)
        throw new InvalidInputError(
          `head ${request.headId} is for the default concept space ${this.defaultSpace.id}, not ${space.id}`,
        );
      head = this.heads.get(request.headId);
    }
    const maxConcepts = request.maxConcepts === 0 ? this.maxConcepts : request.maxConcepts;
    const results = await decomposeEmbeddings(space, request.embeddings, { lambda, maxConcepts, topK, head });
    const rejected = results.filter((result) => result instanceof Error);
    // A rejected request delivers no frames: only its rejections count.
    this.metrics?.observeBatch('grpc', secondsSince(started), rejected.length > 0 ? rejected : results);
    if (rejected.length > 0)
      throw new RejectedEmbeddingError(results.indexOf(rejected[0]), rejected.length, rejected[0]);
    return results as ConceptFrame[];
  }
}

/**
 * The decomposer stage's rule (embeddings → concept frames over the default space and λ), run by `tag` in
 * memory and by the decomposer service over Kafka: `decomposeBatch`, a frame or an Error per embedding.
 */
export function decomposeRule(decomposer: Decomposer): StageRule<AudioEmbedding, ConceptFrame> {
  return {
    name: 'decomposer',
    process: (embeddings) => decomposer.decomposeBatch(embeddings),
    keyOf: (embedding) => embedding.streamId,
    seqOf: (embedding) => embedding.windowSeq,
  };
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
