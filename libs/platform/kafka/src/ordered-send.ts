import type { Message, Producer, TopicMessages } from 'kafkajs';

/** A producer or a transaction: what can send a batch. */
type BatchSender = Pick<Producer, 'sendBatch'>;
import { MAX_MESSAGE_BYTES } from './kafka.settings';

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

/** Bytes a message takes on the wire, roughly: key, value, headers and a record's fixed overhead. */
export function messageBytes(message: Message): number {
  let bytes = 64 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    for (const v of Array.isArray(value) ? value : [value]) bytes += 8 + Buffer.byteLength(name) + byteLength(v);
  return bytes;
}

/**
 * Sends `outgoing` in order with acks from all in-sync replicas, in as few requests as fit: a request may not
 * carry more than `maxRequestBytes` (a partition's record batch above the broker's message.max.bytes is
 * refused whole), so a batch of large messages (10 s windows) goes out in several requests, one after another.
 */
export async function sendInOrder(
  producer: BatchSender,
  outgoing: readonly OutgoingMessage[],
  maxRequestBytes = Math.floor(MAX_MESSAGE_BYTES * 0.9),
): Promise<void> {
  let chunk: OutgoingMessage[] = [];
  let chunkBytes = 0;
  for (const item of outgoing) {
    const bytes = messageBytes(item.message);
    if (chunk.length > 0 && chunkBytes + bytes > maxRequestBytes) {
      await sendChunk(producer, chunk);
      chunk = [];
      chunkBytes = 0;
    }
    chunk.push(item);
    chunkBytes += bytes;
  }
  if (chunk.length > 0) await sendChunk(producer, chunk);
}

async function sendChunk(producer: BatchSender, chunk: readonly OutgoingMessage[]): Promise<void> {
  const byTopic = new Map<string, TopicMessages>();
  for (const { topic, message } of chunk) {
    let entry = byTopic.get(topic);
    if (!entry) byTopic.set(topic, (entry = { topic, messages: [] }));
    entry.messages.push(message);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic.values()] });
}

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
