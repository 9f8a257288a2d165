import { AudioDecodeError } from '@audio-concepts/ingest-audio';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import {
  AudioLimitError,
  IdleTimeoutError,
  IngestInterruptedError,
  type IngestProgress,
  PayloadTooLargeError,
  RateLimitedError,
  StreamBusyError,
  StreamPositionConflictError,
  UnauthorizedError,
  WindowPublishError,
} from '@audio-concepts/ingest-stream';

type ErrorClass = abstract new (...args: never[]) => Error;

/** HTTP status and WebSocket close code of each error a request can end with (STYLE §5: a table, first match wins). */
const ERROR_CODES: readonly [ErrorClass, { status: number; closeCode: number }][] = [
  [UnauthorizedError, { status: 401, closeCode: 1008 }],
  [RateLimitedError, { status: 429, closeCode: 1008 }],
  [PayloadTooLargeError, { status: 413, closeCode: 1009 }],
  [AudioLimitError, { status: 413, closeCode: 1009 }],
  [IdleTimeoutError, { status: 408, closeCode: 1008 }],
  [StreamBusyError, { status: 409, closeCode: 1008 }],
  [StreamPositionConflictError, { status: 409, closeCode: 1008 }],
  [InvalidInputError, { status: 400, closeCode: 1008 }],
  [AudioDecodeError, { status: 422, closeCode: 1007 }],
  [WindowPublishError, { status: 503, closeCode: 1013 }],
];

/** Anything else is our bug: 500 / 1011, with a generic message (the details go to the log). */
const INTERNAL = { status: 500, closeCode: 1011 };

export interface MappedError {
  status: number;
  closeCode: number;
  /** the message for the client (generic for internal errors) */
  message: string;
  /** the underlying error (an interrupted ingest's cause) */
  error: Error;
  /** windows published before an ingest failed */
  progress?: IngestProgress;
  internal: boolean;
}

export function mapError(thrown: unknown): MappedError {
  const progress = thrown instanceof IngestInterruptedError ? thrown.progress : undefined;
  const error =
    thrown instanceof IngestInterruptedError
      ? thrown.cause
      : thrown instanceof Error
        ? thrown
        : new Error(String(thrown));
  const codes = ERROR_CODES.find(([type]) => error instanceof type)?.[1];
  return {
    ...(codes ?? INTERNAL),
    message: codes ? error.message : 'internal error',
    error,
    progress,
    internal: codes === undefined,
  };
}
