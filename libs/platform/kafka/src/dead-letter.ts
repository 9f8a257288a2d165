import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { describeError } from './stage.errors';

/** Where a consumed message came from. */
export interface SourceMessage {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Dead-letter headers (DESIGN §2): the error and where the message came from. */
export const DEAD_LETTER_HEADERS = {
  errorType: 'error-type',
  errorMessage: 'error-message',
  sourceTopic: 'source-topic',
  sourcePartition: 'source-partition',
  sourceOffset: 'source-offset',
  failedStage: 'failed-stage',
} as const;

/** The dead-letter topic of a stage's input topic. */
export function deadLetterTopicOf(inputTopic: string): string {
  return `${inputTopic}.dlq`;
}

/**
 * The message to send to the dead-letter topic for `source`: its original key, value and headers, plus the
 * error and source headers, so that it can be inspected and replayed as it was.
 */
export function deadLetterMessage(source: SourceMessage, error: unknown, stage: string): Message {
  const { type, message } = describeError(error);
  const headers: IHeaders = {
    ...(source.message.headers ?? {}),
    [DEAD_LETTER_HEADERS.errorType]: type,
    [DEAD_LETTER_HEADERS.errorMessage]: message,
    [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: source.message.offset,
    [DEAD_LETTER_HEADERS.failedStage]: stage,
  };
  return { key: source.message.key, value: source.message.value, headers };
}
