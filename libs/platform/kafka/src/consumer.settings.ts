import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, RetryOptions } from 'kafkajs';
import { MAX_MESSAGE_BYTES } from './kafka.settings';

export interface ConsumerSettings {
  groupId: string;
  /** how soon a crashed member's partitions go to the others (default 30000 ms) */
  sessionTimeoutMs?: number;
  /** how long an idle fetch waits for data (default 500 ms) */
  maxWaitTimeInMs?: number;
  /** kafkajs's retries of one request (default: the client's) */
  retry?: RetryOptions;
}

/**
 * A consumer as every reader of the pipeline's topics needs it: topics are never created by reading them, and
 * a fetch returns whole messages (up to MAX_MESSAGE_BYTES each), enough of them to fill a micro-batch. The idle
 * fetch wait is short because `disconnect()` waits for it (kafkajs's default is 5 s). Only committed messages are
 * read: an aborted transaction's outputs are never seen, an open one's only once it commits.
 */
export function createConsumer(kafka: Kafka, settings: ConsumerSettings): Consumer {
  return kafka.consumer({
    groupId: settings.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: settings.sessionTimeoutMs ?? 30_000,
    maxBytesPerPartition: MAX_MESSAGE_BYTES,
    maxBytes: 4 * MAX_MESSAGE_BYTES,
    maxWaitTimeInMs: settings.maxWaitTimeInMs ?? 500,
    readUncommitted: false,
    ...(settings.retry ? { retry: settings.retry } : {}),
  });
}

/** A group of its own (`<prefix>-<random hex>`): a reader that sees every message and whose offsets matter to no one. */
export function uniqueGroupId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
