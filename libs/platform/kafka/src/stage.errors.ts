import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import { isRetriable as isMarkedRetriable } from '@audio-concepts/platform-stage';
import { KafkaJSError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';

/** A message larger than the stage accepts or may produce (MAX_MESSAGE_BYTES): poison, for the dead-letter topic. */
export class MessageTooLargeError extends InvalidInputError {
  constructor(
    message: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** The stage was stopped while a batch waited to be retried: its offsets stay uncommitted, so it is redone. */
export class StageStoppedError extends AudioConceptsError {}

/** A batch failed and will be fetched again from the last committed offsets (nothing of it was committed). */
export class BatchRedoError extends AudioConceptsError {}

/**
 * Whether a failure may succeed when the batch is redone. Kafka client errors say so themselves: a broker that
 * went away is retriable, a protocol error such as MESSAGE_TOO_LARGE or a fenced producer is not. When kafkajs
 * gave up retrying, what counts is why: a broker outage outlasted its retries (redo later), a refusal did not.
 * Other errors: retriable when marked so (AudioConceptsError's `retriable`).
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof KafkaJSNumberOfRetriesExceeded) return error.cause === undefined || isRetriable(error.cause);
  if (error instanceof KafkaJSError) return error.retriable;
  return isMarkedRetriable(error);
}

/** Longest error text a log line or dead-letter header carries: errors that quote their input stay bounded. */
export const MAX_ERROR_TEXT = 1_000;

/** `text`, cut to `max` characters with a note of how long it was. */
export function boundText(text: string, max = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters in all)`;
}

/** The error's class name and (bounded) message, for logs and dead-letter headers; anything thrown becomes text. */
export function describeError(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: boundText(error.name || 'Error', 100), message: boundText(error.message) };
  return { type: 'NonErrorThrown', message: boundText(String(error)) };
}

/** An input repeating a (stream, seq) the stage already produced: dead-lettered, never dropped silently. */
export class DuplicateWindowError extends InvalidInputError {}
