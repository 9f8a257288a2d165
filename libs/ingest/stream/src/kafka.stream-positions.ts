import { errorMessage } from '@audio-concepts/shared-errors';
import { ConfigResourceTypes, type Admin, type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import { kafkaRetry, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { retry, sleep } from '@audio-concepts/platform-retry';
import { WindowPublishError } from './ingest.errors';
import type { IngestLog } from './ingest.log';
import type { IngestProducer } from './ingest.producer';
import { parsePositionRecord, positionRecord, type StreamPositionLog } from './stream.positions';
import type { StreamPosition, StreamRegistry } from './stream.registry';

/** How long a feed waits for the positions written so far to be read, and how long the first load may take. */
const CATCH_UP_MS = 10_000;
const LOAD_MS = 120_000;
/** The follower's group: the broker's smallest session by default (group.min.session.timeout.ms), short fetches. */
const SESSION_TIMEOUT_MS = 6_000;
const MAX_WAIT_MS = 250;
/** Kafka comes back within seconds of a restart: try again at least every 5 s, so readiness follows it soon. */
const RECONNECT_BACKOFF = { initialMs: 500, maxMs: 5_000 };
const HEADERS = { 'content-type': 'application/json' };

export interface KafkaStreamPositionsOptions {
  /** names this ingest in the records it writes (INSTANCE_ID) */
  instance: string;
  /** feed catch-up limit (default 10 s) */
  catchUpMs?: number;
}

/**
 * Stream positions on a compacted Kafka topic (`audio.stream-positions.v1`): key = stream id, value = a JSON
 * `PositionRecord` (next seq, next start ms, when, which instance). At start the whole topic is read into the
 * `StreamRegistry` (readiness waits for it) and then followed, so that the records other replicas write are
 * learnt; before a feed takes its stream, `catchUp` waits until every record written so far has been read. A
 * missing topic is created, compacted (like Kafka Connect's offsets topic); one that is not compacted is refused
 * (its records would be deleted after the retention time, and streams would start at 0 again).
 *
 * A stream should be fed through one ingest at a time (a second feed in the same process gets 409); two replicas
 * feeding one stream at once is noticed from the `instance` of the records and logged.
 *
 * The topic is followed by a consumer of a group of its own. When it fails (a broker outage), a new consumer with
 * a new group reads the topic again from the beginning, instead of kafkajs restarting the old one: after a broker
 * restart the old group still lists the dead member, and joining it again waits for that member's session to
 * expire. Until the new consumer has joined, ingest is not ready (`readiness`).
 */
export class KafkaStreamPositions implements StreamPositionLog {
  private readonly admin: Admin;
  private consumer: Consumer | undefined;
  /** the consumer has joined its group and fetches (false while it is being replaced) */
  private following = false;
  private refollowing: Promise<void> | undefined;
  /** per partition, the offset after the last record read */
  private readonly next = new Map<number, number>();
  private loaded = false;
  private problem: string | undefined;
  private readonly stopping = new AbortController();
  private starting: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: IngestProducer,
    readonly topic: string,
    private readonly registry: StreamRegistry,
    private readonly log: IngestLog,
    private readonly options: KafkaStreamPositionsOptions,
  ) {
    this.admin = kafka.admin({ retry: kafkaRetry('interactive') });
  }

  /** Loads the topic in the background, trying again with backoff; resolves once loaded or stopped. */
  start(): Promise<void> {
    this.starting ??= this.loadUntilStopped();
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.refollowing;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  readiness(): true | string {
    if (this.problem !== undefined) return `stream positions (${this.topic}): ${this.problem}`;
    if (!this.loaded) return `loading stream positions from ${this.topic}`;
    return this.following ? true : `following ${this.topic} again (its reader is rejoining)`;
  }

  async catchUp(timeoutMs = this.options.catchUpMs ?? CATCH_UP_MS): Promise<void> {
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await this.admin.fetchTopicOffsets(this.topic);
    } catch (error) {
      throw new WindowPublishError(`cannot read the stream positions in ${this.topic}: ${errorMessage(error)}`, error);
    }
    const caughtUp = () =>
      ends.every(({ partition, high, low }) => (this.next.get(partition) ?? Number(low)) >= Number(high));
    const deadline = Date.now() + timeoutMs;
    while (!caughtUp()) {
      if (Date.now() > deadline || this.stopping.signal.aborted) {
        throw new WindowPublishError(
          `the stream positions in ${this.topic} could not be read up to date within ${timeoutMs / 1000} s`,
        );
      }
      await sleep(20);
    }
  }

  async save(streamId: string, position: StreamPosition): Promise<void> {
    const record = positionRecord(streamId, position, this.options.instance, new Date());
    await this.producer.send(
      this.topic,
      [{ key: streamId, value: JSON.stringify(record), headers: HEADERS }],
      `the position of stream ${streamId}`,
    );
  }

  private async loadUntilStopped(): Promise<void> {
    const loaded = await retry(
      async () => {
        await this.load();
        return true;
      },
      {
        ...RECONNECT_BACKOFF,
        signal: this.stopping.signal,
        onRetry: (error, delayMs) => {
          this.problem = errorMessage(error);
          this.log.warn(
            `cannot load the stream positions from ${this.topic} (${this.problem}); trying again in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
      },
    );
    if (!loaded) return;
    this.problem = undefined;
    this.loaded = true;
    this.log.log(`loaded the positions of ${this.registry.knownCount} streams from ${this.topic}`);
  }

  private async load(): Promise<void> {
    await this.admin.connect();
    await this.ensureCompactedTopic();
    if (!this.consumer) await this.follow();
    await this.catchUp(LOAD_MS);
  }

  /** Replaces a consumer that failed by a new one (a new group), trying again with backoff until it runs. */
  private refollow(failed: Consumer, reason: string): void {
    if (failed !== this.consumer || this.refollowing || this.stopping.signal.aborted) return;
    this.following = false;
    this.log.warn(`the reader of ${this.topic} failed (${reason}); reading it again with a new consumer`);
    this.refollowing = (async () => {
      await failed.disconnect().catch(() => undefined);
      await retry(() => this.follow(), {
        ...RECONNECT_BACKOFF,
        signal: this.stopping.signal,
        onRetry: (error, delayMs) =>
          this.log.warn(
            `cannot follow ${this.topic} (${errorMessage(error)}); trying again in ${(delayMs / 1000).toFixed(1)} s`,
          ),
      });
    })().finally(() => (this.refollowing = undefined));
  }

  private async ensureCompactedTopic(): Promise<void> {
    if (!(await this.admin.listTopics()).includes(this.topic)) {
      // partitions and replication: the broker's defaults (deploy/ creates it with its own settings)
      const created = await this.admin.createTopics({
        topics: [{ topic: this.topic, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
        waitForLeaders: true,
      });
      if (created) this.log.log(`created the compacted topic ${this.topic}`);
    }
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: this.topic, configNames: ['cleanup.policy'] }],
    });
    const policy = resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
    if (!policy.split(',').includes('compact')) {
      throw new Error(
        `the topic has cleanup.policy=${policy || '(unknown)'}; it must be compact, else positions are deleted after retention.ms and streams start at 0 again`,
      );
    }
  }

  /** A consumer of a group of its own that reads the topic from the beginning and keeps following it. */
  private async follow(): Promise<Consumer> {
    const consumer = this.kafka.consumer({
      groupId: uniqueGroupId('audio-concepts-ingest-positions'),
      allowAutoTopicCreation: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: SESSION_TIMEOUT_MS,
      maxWaitTimeInMs: MAX_WAIT_MS,
      // a failed consumer is replaced (refollow), not restarted
      retry: { ...kafkaRetry('reconnecting'), restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (consumer === this.consumer) this.following = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => this.refollow(consumer, errorMessage(payload.error)));
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      // no commits: a group of its own, always read from the beginning
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => this.read(partition, message),
      });
    } catch (error) {
      if (this.consumer === consumer) this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return consumer;
  }

  private read(partition: number, message: KafkaMessage): void {
    // a new consumer reads the topic again from the beginning: what was read stays read
    this.next.set(partition, Math.max(this.next.get(partition) ?? 0, Number(message.offset) + 1));
    const streamId = message.key?.toString('utf8');
    if (!streamId) return;
    if (message.value === null) {
      this.registry.forget(streamId);
      return;
    }
    const record = parsePositionRecord(message.value);
    if (typeof record === 'string') {
      this.log.warn(
        `ignoring the record of stream ${streamId} at ${this.topic}/${partition}@${message.offset}: ${record}`,
      );
      return;
    }
    if (record.instance !== this.options.instance && this.registry.isActive(streamId)) {
      this.log.warn(
        `stream ${streamId} is fed here and through ingest ${record.instance} at the same time: feed a stream through one ingest at a time`,
      );
    }
    this.registry.learn(streamId, { nextSeq: record.next_seq, nextStartMs: record.next_start_ms });
  }
}
