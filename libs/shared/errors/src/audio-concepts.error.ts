/**
 * Root of every error the project raises on purpose. `retriable` says whether trying the same operation
 * again may succeed (a broker hiccup) or never will (bad input, a programming error).
 * Pattern from kafkajs `src/errors.js`.
 */
export class AudioConceptsError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** An array or matrix whose shape does not match what the operation needs. */
export class ShapeMismatchError extends AudioConceptsError {
  constructor(
    message: string,
    readonly expected: readonly (number | string)[],
    readonly actual: readonly number[],
  ) {
    super(message);
  }
}

/** A NaN or ±Inf where finite numbers are required; `row`/`column` locate the first one. */
export class NonFiniteValueError extends AudioConceptsError {
  constructor(
    message: string,
    readonly row: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Input that is well-formed but cannot be processed (a zero embedding, a negative λ, …). */
export class InvalidInputError extends AudioConceptsError {}

/** A file in a format we read (.npy, a concept-space manifest) whose content is malformed or unsupported. */
export class FormatError extends AudioConceptsError {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** The message of anything thrown: an Error's `message`, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
