import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import { isRetriable as isMarkedRetriable } from '@audio-concepts/platform-stage';
import { KafkaJSError } from 'kafkajs';

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

/**
 * Whether a whole-batch failure may succeed when the batch is redone: an error marked retriable
 * (AudioConceptsError, KafkaJSError) or any Kafka client error (a broker that went away mid-call).
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof KafkaJSError || isMarkedRetriable(error);
}

/** The error's class name and message, for logs and dead-letter headers; anything thrown becomes an Error. */
export function describeError(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.name || 'Error', message: error.message };
  return { type: 'NonErrorThrown', message: String(error) };
}
