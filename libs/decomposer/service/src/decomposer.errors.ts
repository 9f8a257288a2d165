import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';

/** A request names a concept space this decomposer has not loaded. */
export class UnknownConceptSpaceError extends AudioConceptsError {
  constructor(
    readonly conceptSpaceId: string,
    readonly known: readonly string[],
  ) {
    super(
      `concept space ${JSON.stringify(conceptSpaceId)} is not loaded here: known ${known.length === 1 ? 'space' : 'spaces'} ` +
        `${known.map((id) => JSON.stringify(id)).join(', ')} (or "" for the default)`,
    );
  }
}

/** A request or an activation names a projection head this decomposer has not been given. */
export class UnknownHeadError extends AudioConceptsError {
  constructor(
    readonly headId: string,
    readonly known: readonly string[],
  ) {
    super(
      `projection head ${JSON.stringify(headId)} is not known here: known ${known.length > 0 ? known.map((id) => JSON.stringify(id)).join(', ') : 'none'} (or "" for no head)`,
    );
  }
}

/**
 * One embedding of a request could not be decomposed; the whole request is rejected. `index` is its position in
 * the request, `cause` the item's own error (ShapeMismatchError, NonFiniteValueError, InvalidInputError).
 */
export class RejectedEmbeddingError extends InvalidInputError {
  constructor(
    readonly index: number,
    readonly rejected: number,
    cause: Error,
  ) {
    super(
      `embeddings[${index}]: ${cause.message}` +
        (rejected > 1 ? ` (${rejected - 1} more of the request's embeddings were rejected too)` : ''),
      { cause },
    );
  }
}
