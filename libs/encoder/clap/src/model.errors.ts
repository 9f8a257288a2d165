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

/**
 * The model directory lacks files its layout needs; `missing` and `expected` are relative to `dir`;
 * `dtypesPresent` are the dtypes whose two towers it does hold.
 */
export class MissingModelFileError extends AudioConceptsError {
  constructor(
    message: string,
    readonly dir: string,
    readonly missing: readonly string[],
    readonly expected: readonly string[],
    readonly dtypesPresent: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Where a hub id's copy lives in the model store, and what it needs: enough to make the copy by hand. */
export interface HubModelCopy {
  /** the hub id, `owner/name` */
  hubId: string;
  /** the directory of its copy: `<cacheDir>/<owner>/<name>` */
  dir: string;
  /** every file the copy needs, relative to `dir` */
  files: readonly string[];
  /** those it lacks now */
  missing: readonly string[];
}

/** A Hugging Face hub id whose copy is not (wholly) in the model store, while network access is off (the default). */
export class NetworkNotAllowedError extends AudioConceptsError {
  constructor(
    message: string,
    readonly modelId: string,
    readonly copy?: HubModelCopy,
  ) {
    super(message);
  }
}

/**
 * Downloading a model file from the hub failed; retriable for network errors and 5xx/429 answers. `problem` is
 * what went wrong with `url` (the message adds where the model goes); `copy` says where the model goes and what
 * it needs; `proxy` is the proxy the request went through (credentials hidden), if any.
 */
export class ModelDownloadError extends AudioConceptsError {
  readonly problem: string;
  readonly copy?: HubModelCopy;
  readonly proxy?: string;

  constructor(
    message: string,
    readonly url: string,
    readonly status: number | undefined,
    options: { retriable?: boolean; cause?: unknown; copy?: HubModelCopy; proxy?: string; problem?: string } = {},
  ) {
    super(message, options);
    this.problem = options.problem ?? message;
    this.copy = options.copy;
    this.proxy = options.proxy;
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
