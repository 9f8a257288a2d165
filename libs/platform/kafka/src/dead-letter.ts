import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { messageBytes } from './ordered-send';
import { boundText, describeError } from './stage.errors';

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
  /** present when the copy could not hold all of the original: what was cut (`value`, `key`, `headers`) */
  truncated: 'dlq-truncated',
  /** the original value's size in bytes, when the value was cut */
  originalValueBytes: 'original-value-bytes',
} as const;

/** Longest original key a dead-letter copy keeps (a longer one is cut, as its value would be). */
const MAX_KEY_BYTES = 1_024;

/** The dead-letter topic of a stage's input topic. */
export function deadLetterTopicOf(inputTopic: string): string {
  return `${inputTopic}.dlq`;
}

/**
 * The message to send to the dead-letter topic for `source`: its original key, value and headers, plus the
 * error and source headers, so that it can be inspected and replayed as it was. It always fits in `maxBytes`
 * (the dead-letter topic's limit): a copy too large to send would stall the stage, so what does not fit is cut —
 * first the value, then a long key, then the original headers — and the `dlq-truncated` header says what.
 */
export function deadLetterMessage(source: SourceMessage, error: unknown, stage: string, maxBytes: number): Message {
  const { type, message } = describeError(error);
  const errorHeaders: IHeaders = {
    [DEAD_LETTER_HEADERS.errorType]: type,
    [DEAD_LETTER_HEADERS.errorMessage]: message,
    [DEAD_LETTER_HEADERS.sourceTopic]: source.topic,
    [DEAD_LETTER_HEADERS.sourcePartition]: String(source.partition),
    [DEAD_LETTER_HEADERS.sourceOffset]: source.message.offset,
    [DEAD_LETTER_HEADERS.failedStage]: stage,
  };
  const copy: Message = {
    key: source.message.key,
    value: source.message.value,
    headers: { ...(source.message.headers ?? {}), ...errorHeaders },
  };
  if (messageBytes(copy) <= maxBytes) return copy;

  const cut: string[] = ['value'];
  const valueBytes = source.message.value?.length ?? 0;
  let key = source.message.key;
  if (key && key.length > MAX_KEY_BYTES) {
    key = key.subarray(0, MAX_KEY_BYTES);
    cut.push('key');
  }
  let headers: IHeaders = { ...(source.message.headers ?? {}) };
  const marks = (): IHeaders => ({
    ...errorHeaders,
    [DEAD_LETTER_HEADERS.truncated]: cut.join(','),
    [DEAD_LETTER_HEADERS.originalValueBytes]: String(valueBytes),
  });
  if (messageBytes({ key, value: null, headers: { ...headers, ...marks() } }) > maxBytes) {
    headers = {};
    cut.push('headers');
  }
  const withoutValue: Message = { key, value: null, headers: { ...headers, ...marks() } };
  const room = Math.max(0, maxBytes - messageBytes(withoutValue));
  const value = source.message.value ? source.message.value.subarray(0, room) : null;
  return { ...withoutValue, value };
}

/** A header's text, bounded (for logs quoting a key or header of a foreign message). */
export function shownKey(key: Buffer | null): string {
  return key ? JSON.stringify(boundText(key.toString('utf8'), 200)) : 'null';
}
