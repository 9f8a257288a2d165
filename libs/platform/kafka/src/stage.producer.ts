import { hostname } from 'node:os';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { sendInOrder, type OutgoingMessage } from './ordered-send';

/** How a stage hands its outputs on (DELIVERY). */
export type Delivery = 'exactly-once' | 'at-least-once';
export const DELIVERIES: readonly Delivery[] = ['exactly-once', 'at-least-once'];

/** How long a transaction may stay open before the broker aborts it: bounds how long a crashed stage's open
 * transaction holds back read_committed readers when no restart with the same transactional id fences it. */
export const TRANSACTION_TIMEOUT_MS = 30_000;

/** The input offsets a batch consumed: committed with its outputs (exactly-once) or after them (at-least-once). */
export interface ConsumedOffsets {
  topic: string;
  /** per partition, the next offset to read (last consumed + 1) */
  partitions: { partition: number; offset: string }[];
}

/**
 * The transactional id of one stage instance: stable across restarts of the same instance, so that a restarted
 * stage fences its crashed predecessor and aborts its open transaction at once (instead of after
 * TRANSACTION_TIMEOUT_MS), and different for every instance running at the same time (two producers with one id
 * fence each other). `instanceId` (INSTANCE_ID) names the instance — a StatefulSet pod name, a stack service
 * name; without one, host and process id make it unique but not stable.
 */
export function transactionalIdOf(groupId: string, instanceId: string | undefined): string {
  return `${groupId}.${instanceId || `${hostname()}-${process.pid}`}`;
}

/**
 * A stage's producer. Exactly-once: idempotent and transactional — a batch's outputs, dead letters and input offsets
 * are one transaction, so readers that read committed (every consumer of this repo) see all of a batch or none of
 * it, and a batch redone after a failure cannot appear twice. At-least-once: outputs are acknowledged by all
 * in-sync replicas, then the offsets are committed by the consumer (a crash in between redoes the batch).
 * After a failure, `reset()` replaces the producer: a new transactional producer with the same id aborts whatever
 * the old one left open and waits until a commit in flight has completed, so the committed offsets read after a
 * reset say exactly what is done.
 */
export class StageProducer {
  private producer: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: { delivery: Delivery; transactionalId: string; groupId: string },
  ) {
    this.producer = this.create();
  }

  get exactlyOnce(): boolean {
    return this.options.delivery === 'exactly-once';
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Replaces the producer after a failure (see the class comment). */
  async reset(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.create();
    await this.producer.connect();
  }

  /**
   * Sends `outgoing` in order. Exactly-once: in one transaction with `offsets` (resolves once committed; on any
   * failure the transaction is aborted, or left for `reset()` to abort). At-least-once: `offsets` are the caller's
   * to commit once this resolves.
   */
  async send(outgoing: readonly OutgoingMessage[], offsets: ConsumedOffsets, maxRequestBytes: number): Promise<void> {
    if (!this.exactlyOnce) {
      if (outgoing.length > 0) await sendInOrder(this.producer, outgoing, maxRequestBytes);
      return;
    }
    const transaction = await this.producer.transaction();
    try {
      if (outgoing.length > 0) await sendInOrder(transaction, outgoing, maxRequestBytes);
      await transaction.sendOffsets({ consumerGroupId: this.options.groupId, topics: [offsets] });
      await transaction.commit();
    } catch (error) {
      if (transaction.isActive()) await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  private create(): Producer {
    const common = {
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner, so a stream's outputs land where any Kafka client would put its key.
      createPartitioner: Partitioners.DefaultPartitioner,
    };
    if (!this.exactlyOnce) return this.kafka.producer(common);
    return this.kafka.producer({
      ...common,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: this.options.transactionalId,
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
    });
  }
}
