import { KafkaJSProtocolError, type IHeaders, type KafkaMessage } from 'kafkajs';
import type { SourceMessage } from './dead-letter';
import { ProducedSeqs } from './dedupe';
import { MessageDecodeError } from './message.codec';
import { DuplicateWindowError } from './stage.errors';
import type { ConsumedOffsets } from './stage.producer';

/** A consumed message, decoded, or the reason it cannot be (it goes to the dead-letter topic as it is). */
export interface Item<In> {
  source: SourceMessage;
  input?: In;
  key?: string;
  seq?: number;
  error?: unknown;
}

export interface Failed<In> {
  item: Item<In>;
  error: unknown;
}

/** Stream ids are at most 128 characters (ingest's rule); a longer key from a foreign producer is poison. */
export const MAX_STREAM_ID_CHARS = 128;
/** Send errors that are about the messages themselves: redoing cannot cure them, so the inputs are dead-lettered. */
const REFUSED_MESSAGE_ERRORS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
  'UNSUPPORTED_COMPRESSION_TYPE',
]);

/**
 * Splits a batch into inputs to process and inputs that go to the dead-letter topic: undecodable ones, and those
 * repeating a (stream, seq) already produced — an upstream duplicate or a renumbered stream, told apart only by
 * a person, so kept rather than dropped.
 */
export function sortOut<In>(
  items: Item<In>[],
  produced: ProducedSeqs,
): { toProcess: Item<In>[]; failed: Failed<In>[]; duplicates: number } {
  const seen = new ProducedSeqs();
  const toProcess: Item<In>[] = [];
  const failed: Failed<In>[] = [];
  let duplicates = 0;
  for (const item of items) {
    if (item.error !== undefined) {
      failed.push({ item, error: item.error });
      continue;
    }
    const { partition } = item.source;
    const key = item.key as string;
    const seq = item.seq as number;
    if (produced.has(partition, key, seq) || seen.has(partition, key, seq)) {
      duplicates++;
      const highest = Math.max(produced.highest(partition, key) ?? -1, seen.highest(partition, key) ?? -1);
      failed.push({
        item,
        error: new DuplicateWindowError(
          `stream ${JSON.stringify(key)} window seq ${seq} (offset ${item.source.message.offset}) repeats a seq ` +
            `this stage already produced (up to ${highest}): an upstream duplicate, or a stream renumbered ` +
            `from an earlier seq — replay it under a new stream id if it is new audio`,
        ),
      });
      continue;
    }
    seen.record(partition, key, seq);
    toProcess.push(item);
  }
  return { toProcess, failed, duplicates };
}

/** Whether the broker refused what was sent rather than how (redoing cannot cure it). */
export function isRefusedMessage(error: unknown): boolean {
  return error instanceof KafkaJSProtocolError && REFUSED_MESSAGE_ERRORS.has(error.type);
}

/** Per partition of `items`, the offset after the last one: what the group has consumed once the batch commits. */
export function consumedOffsets(topic: string, items: readonly Item<unknown>[]): ConsumedOffsets {
  const next = new Map<number, bigint>();
  for (const { source } of items) {
    const offset = BigInt(source.message.offset) + 1n;
    if ((next.get(source.partition) ?? -1n) < offset) next.set(source.partition, offset);
  }
  return { topic, partitions: [...next].map(([partition, offset]) => ({ partition, offset: offset.toString() })) };
}

/** A message whose message-type header names another type is poison even if its bytes happen to decode. */
export function checkMessageType(headers: IHeaders | undefined, expected: string): void {
  const header = headers?.['message-type'];
  if (header === undefined) return;
  const actual = (Array.isArray(header) ? header[0] : header)?.toString();
  if (actual !== undefined && actual !== expected)
    throw new MessageDecodeError(`message-type header is ${JSON.stringify(actual)}, expected ${expected}`, expected);
}

/** Orders consumed messages by partition, then offset. */
export function compareOffsets(
  a: { partition: number; message: KafkaMessage },
  b: { partition: number; message: KafkaMessage },
) {
  if (a.partition !== b.partition) return a.partition - b.partition;
  const d = BigInt(a.message.offset) - BigInt(b.message.offset);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
