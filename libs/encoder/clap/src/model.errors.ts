import { AudioConceptsError } from '@audio-concepts/shared-errors';

/** The model path names no directory (or names a file). */
export class ModelNotFoundError extends AudioConceptsError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** The model directory lacks files its layout needs; `missing` and `expected` are relative to `dir`. */
export class MissingModelFileError extends AudioConceptsError {
  constructor(
    message: string,
    readonly dir: string,
    readonly missing: readonly string[],
    readonly expected: readonly string[],
  ) {
    super(message);
  }
}

/** A Hugging Face hub id was given while network access is off (the default). */
export class NetworkNotAllowedError extends AudioConceptsError {
  constructor(
    message: string,
    readonly modelId: string,
  ) {
    super(message);
  }
}

/** Downloading a model file from the hub failed; retriable for network errors and 5xx/429 answers. */
export class ModelDownloadError extends AudioConceptsError {
  constructor(
    message: string,
    readonly url: string,
    readonly status: number | undefined,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** `device: 'cuda'` was asked for and onnxruntime could not provide the CUDA execution provider. */
export class ExecutionProviderError extends AudioConceptsError {
  constructor(
    message: string,
    readonly requested: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
