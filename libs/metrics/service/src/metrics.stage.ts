import {
  createConsumer,
  decodeMessage,
  MAX_MESSAGE_BYTES,
  StageProducer,
  transactionalIdOf,
  type OutgoingMessage,
  type StageLogger,
} from '@audio-concepts/platform-kafka';
import { ConceptFrame, DriftEvent } from '@audio-concepts/shared-contracts';
import { errorMessage } from '@audio-concepts/shared-errors';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { readLatestState } from './state.reader';
import { encodeState, STATE_HEADERS, type MetricsState } from './state.record';
import type { Watcher } from './watcher';

export interface MetricsStageOptions {
  kafka: Kafka;
  groupId: string;
  /** INSTANCE_ID: the transactional id's suffix, stable across restarts */
  instanceId: string | undefined;
  framesTopic: string;
  driftTopic: string;
  stateTopic: string;
  watcher: Watcher;
  /** how often the state, the DriftEvents and the offsets are committed together */
  commitIntervalMs: number;
  logger: StageLogger;
  sessionTimeoutMs?: number;
}

interface Checkpoint {
  events: DriftEvent[];
  state: MetricsState;
}

/**
 * The metrics stage on Kafka. Frames are read committed by the group `groupId`, one member (all partitions); each
 * goes through the watcher at once (metrics and the live page are live). Every `commitIntervalMs` the watcher's
 * state, the DriftEvents raised since the last commit and the input offsets are committed in one transaction, so
 * a restarted service resumes from exactly the state its committed offsets reflect: nothing is counted twice into
 * the drift state, no DriftEvent is written twice, and the reference is not collected again. An unreadable frame
 * is skipped with a warning (it cannot change a drift figure; the decomposer already dead-letters bad ones).
 */
export class MetricsStage {
  private consumer: Consumer | undefined;
  private readonly producer: StageProducer;
  private readonly next = new Map<number, string>();
  private pendingEvents: DriftEvent[] = [];
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private committing: Promise<void> = Promise.resolve();
  private joined = false;
  private restored = false;
  private problem: string | undefined;
  private stopped = false;

  constructor(private readonly options: MetricsStageOptions) {
    this.producer = new StageProducer(options.kafka, {
      delivery: 'exactly-once',
      transactionalId: transactionalIdOf(options.groupId, options.instanceId),
      groupId: options.groupId,
    });
  }

  readiness(): true | string {
    if (this.problem) return this.problem;
    if (!this.restored) return `reading the last state from ${this.options.stateTopic}`;
    return this.joined ? true : `joining the consumer group ${this.options.groupId}`;
  }

  async start(): Promise<void> {
    const { options } = this;
    const state = await readLatestState(options.kafka, options.stateTopic, options.groupId, {
      timeoutMs: 60_000,
      warn: (m) => options.logger.warn(m),
    });
    if (state) {
      options.watcher.restore(state.watcher);
      for (const { partition, offset } of state.offsets) this.next.set(partition, offset);
      const groups = Object.keys(state.watcher.groups);
      options.logger.log(
        `resumed from the state saved at ${new Date(state.savedAtMs).toISOString()} by ${state.instance}: ` +
          `${groups.length} stream group(s) (${groups.join(', ') || 'none'})`,
      );
    } else options.logger.log(`no saved state in ${options.stateTopic}: every stream group starts collecting`);
    this.restored = true;
    await this.producer.connect();
    const consumer = createConsumer(options.kafka, {
      groupId: options.groupId,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => (this.joined = true));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.problem = `the frames consumer crashed: ${errorMessage(payload.error)}`;
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.framesTopic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.eachBatch(payload) });
    this.timer = setInterval(() => void this.checkpoint(), options.commitIntervalMs);
  }

  /** Commits what was read, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer?.stop().catch(() => undefined);
    await this.checkpoint();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }

  private async eachBatch({ batch, heartbeat }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      const seenAtMs = Date.now();
      if (message.value !== null) {
        try {
          const frame = decodeMessage(ConceptFrame, 'audio_concepts.v1.ConceptFrame', message.value);
          this.pendingEvents.push(...this.options.watcher.handle(frame, seenAtMs));
        } catch (error) {
          this.options.logger.warn(
            `skipping the frame at ${batch.topic}/${batch.partition}@${message.offset}: ${errorMessage(error)}`,
          );
        }
      }
      this.next.set(batch.partition, String(Number(message.offset) + 1));
      this.dirty = true;
    }
    await heartbeat();
  }

  /** Commits the state, events and offsets taken together now; a failed commit is tried again with the same. */
  private checkpoint(): Promise<void> {
    if (!this.dirty) return this.committing;
    const taken: Checkpoint = {
      events: this.pendingEvents,
      state: {
        watcher: this.options.watcher.snapshot(),
        offsets: [...this.next].map(([partition, offset]) => ({ partition, offset })),
        savedAtMs: Date.now(),
        instance: this.options.instanceId ?? 'metrics',
      },
    };
    this.pendingEvents = [];
    this.dirty = false;
    this.committing = this.committing.then(() => this.commit(taken));
    return this.committing;
  }

  private async commit(checkpoint: Checkpoint): Promise<void> {
    const { options } = this;
    const outgoing: OutgoingMessage[] = [
      ...checkpoint.events.map((event) => ({
        topic: options.driftTopic,
        message: {
          key: event.streamGroup,
          value: Buffer.from(DriftEvent.encode(event).finish()),
          headers: { 'content-type': 'application/x-protobuf' },
        },
      })),
      {
        topic: options.stateTopic,
        message: { key: options.groupId, value: encodeState(checkpoint.state), headers: STATE_HEADERS },
      },
    ];
    const offsets = { topic: options.framesTopic, partitions: checkpoint.state.offsets };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.producer.send(outgoing, offsets, Math.floor(MAX_MESSAGE_BYTES * 0.9));
        this.problem = undefined;
        return;
      } catch (error) {
        this.problem = `cannot commit the metrics state (attempt ${attempt}): ${errorMessage(error)}`;
        options.logger.error(this.problem);
        if (this.stopped && attempt >= 3) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 500 * 2 ** attempt)));
        await this.producer.reset().catch(() => undefined);
      }
    }
  }
}
