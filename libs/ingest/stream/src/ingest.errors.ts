import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';

/** A request without the bearer token, or with another one. */
export class UnauthorizedError extends AudioConceptsError {}

/** A token that made more requests than its rate limit allows; `retryAfterS` says when one more will pass. */
export class RateLimitedError extends AudioConceptsError {
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message, { retriable: true });
  }
}

/** A stream id that another upload or live stream is using right now. */
export class StreamBusyError extends AudioConceptsError {
  constructor(readonly streamId: string) {
    super(`stream ${JSON.stringify(streamId)} is busy: another upload or live stream is feeding it`, {
      retriable: true,
    });
  }
}

/**
 * A `seq_start` below the numbers a stream has already used: downstream dedupes by (stream, seq) and would drop
 * those windows as duplicates.
 */
export class StreamPositionConflictError extends AudioConceptsError {
  constructor(
    readonly streamId: string,
    readonly nextSeq: number,
  ) {
    super(
      `stream ${streamId} already has windows up to seq ${nextSeq - 1}; seq_start must be ≥ ${nextSeq} (or use a new stream id)`,
    );
  }
}

/** An upload larger than the limit (INGEST_MAX_UPLOAD_BYTES). */
export class PayloadTooLargeError extends InvalidInputError {
  constructor(
    readonly limitBytes: number,
    readonly receivedBytes: number,
  ) {
    super(`the upload is larger than the limit of ${limitBytes} bytes (got ${receivedBytes} bytes or more)`);
  }
}

/** An upload that decodes to more audio than the limit (INGEST_MAX_UPLOAD_S): a small file may hold hours of silence. */
export class AudioLimitError extends InvalidInputError {
  constructor(readonly limitS: number) {
    super(
      `the upload decodes to more than the limit of ${limitS} s of audio per upload (split longer recordings into several uploads to the same stream)`,
    );
  }
}

/** A client that sent nothing for too long (INGEST_IDLE_TIMEOUT_S): its feed is ended so that it holds nothing. */
export class IdleTimeoutError extends AudioConceptsError {
  constructor(readonly timeoutS: number) {
    super(`no audio received for ${timeoutS} s: the feed is ended (send audio without pauses that long)`);
  }
}

/** A window that could not be published (Kafka down, topic missing, producer not connected): try again later. */
export class WindowPublishError extends AudioConceptsError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/** What an ingest achieved before it failed: windows up to `lastSeq` are published and acknowledged. */
export interface IngestProgress {
  stream: string;
  windows: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

/**
 * An ingest that failed after it started (decoding, publishing, the upload limit): `cause` is the error,
 * `progress` the windows that were published (and stay published) before it.
 */
export class IngestInterruptedError extends AudioConceptsError {
  constructor(
    override readonly cause: Error,
    readonly progress: IngestProgress,
  ) {
    super(cause.message, { retriable: cause instanceof AudioConceptsError && cause.retriable, cause });
  }
}
