import {
  createConsumer,
  decodeMessage,
  describeError,
  MESSAGE_TYPES,
  uniqueGroupId,
} from '@audio-concepts/platform-kafka';
import { retry } from '@audio-concepts/platform-retry';
import type { HeadControl } from '@audio-concepts/shared-contracts';
import { errorMessage } from '@audio-concepts/shared-errors';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { DecomposerMetrics } from './decomposer.metrics';
import type { HeadBook } from './head-book';

export interface HeadFollowerOptions {
  kafka: Kafka;
  /** the compacted control topic (control.heads.v1) */
  topic: string;
  book: HeadBook;
  log: { log(message: string): void; warn(message: string): void };
  metrics?: DecomposerMetrics;
  /** how long `caughtUp` waits for the topic's existing records (default 30 s) */
  catchUpTimeoutMs?: number;
}

const TYPE = 'audio_concepts.v1.HeadControl';

/**
 * Follows control.heads.v1 from the beginning, with a consumer group of its own and no commits, so every decomposer
 * replica learns every head and the live head of every stream group, after a restart too. A trained head is added to
 * the book once checked (a head or an activation of another concept space is another decomposer's, and skipped);
 * an activation of this book's concept space makes a head live for a group ("" = none,
 * which is also how a rollback to no head is published). A record that cannot be used (undecodable, a corrupt or
 * mismatched head, an activation of a head not known) is refused with a log line and a metric, and changes nothing.
 * `start` resolves once the records present at start have been applied, so the Kafka path starts with the heads
 * that were live when it stopped.
 */
export class HeadFollower {
  private consumer: Consumer | undefined;
  private readonly next = new Map<number, number>();

  constructor(private readonly options: HeadFollowerOptions) {}

  /**
   * `start`, again and again with backoff while the broker cannot be reached or refuses us (a wrong password), each
   * failure logged and handed to `onFailure` (for readiness); resolves true once caught up, false if `signal`
   * aborts first.
   */
  async startWithRetry(signal: AbortSignal, onFailure: (reason: string) => void): Promise<boolean> {
    const started = await retry(() => this.start().then(() => true), {
      signal,
      initialMs: 1_000,
      maxMs: 30_000,
      onRetry: (error, delayMs) => {
        const reason = describeError(error).message;
        this.options.log.warn(
          `cannot read ${this.options.topic}: ${reason}; trying again in ${(delayMs / 1000).toFixed(1)} s`,
        );
        onFailure(reason);
      },
    });
    return started === true;
  }

  /** Reads the topic up to its end at the time of the call and keeps following it; throws if it cannot. */
  async start(): Promise<void> {
    await this.stop();
    const { kafka, topic } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const consumer = createConsumer(kafka, {
      groupId: uniqueGroupId('audio-concepts-decomposer-heads'),
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.apply(batch.partition, message);
        this.next.set(batch.partition, Math.max(this.next.get(batch.partition) ?? 0, Number(batch.lastOffset()) + 1));
      },
    });
    const caughtUp = () => ends.every(({ partition, high }) => (this.next.get(partition) ?? 0) >= Number(high));
    const deadline = Date.now() + (this.options.catchUpTimeoutMs ?? 30_000);
    while (!caughtUp()) {
      if (Date.now() > deadline)
        throw new Error(
          `could not read the heads in ${topic} within ${(this.options.catchUpTimeoutMs ?? 30_000) / 1000} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }

  private apply(partition: number, message: KafkaMessage): void {
    const { book, log, metrics, topic } = this.options;
    const at = `${topic}/${partition}@${message.offset}`;
    if (message.value === null) return; // a tombstone: nothing to learn
    let control: HeadControl;
    try {
      control = decodeMessage(MESSAGE_TYPES[TYPE], TYPE, message.value);
    } catch (error) {
      log.warn(`refusing the record at ${at}: ${errorMessage(error)}`);
      metrics?.observeHeadRefused('undecodable');
      return;
    }
    if (control.head) {
      const space = control.head.conceptSpaceId;
      if (space !== '' && space !== book.space.id) return; // a head for another decomposer's space
      try {
        const head = book.addVersion(control.head);
        metrics?.observeHeads(book.ids().length);
        log.log(`head ${head.id} (${head.head.d} × ${head.head.d}) learnt from ${at}`);
      } catch (error) {
        log.warn(`refusing head ${JSON.stringify(control.head.headId)} at ${at}: ${errorMessage(error)}`);
        metrics?.observeHeadRefused('head');
      }
    } else if (control.activation) {
      const { conceptSpaceId, streamGroup, headId } = control.activation;
      if (conceptSpaceId !== book.space.id) return; // another decomposer's space
      try {
        const before = book.liveHead(streamGroup);
        book.activate(streamGroup, headId);
        metrics?.observeLiveHead(streamGroup, before, headId);
        log.log(
          `stream group ${streamGroup}: ${headId === '' ? 'no head' : `head ${headId}`} live from the next batch (was ${before === '' ? 'none' : before})`,
        );
      } catch (error) {
        log.warn(`refusing the activation at ${at}: ${errorMessage(error)}`);
        metrics?.observeHeadRefused('activation');
      }
    } else {
      log.warn(`refusing the record at ${at}: neither a head nor an activation`);
      metrics?.observeHeadRefused('undecodable');
    }
  }
}
