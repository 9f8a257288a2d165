import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { MAX_MESSAGE_BYTES } from './kafka.settings';
import { describeError } from './stage.errors';

/** Bytes a record batch of one message needs beyond what `messageBytes` counts (kept as a margin). */
const RECORD_BATCH_MARGIN = 512;

/** A partition's committed offset of the group and its end offset, as the broker says. */
export interface PartitionLag {
  partition: number;
  committed: number;
  end: number;
  lag: number;
}

/**
 * What a stage asks the broker on its own, apart from consuming: the largest message each topic accepts, and on
 * a timer the group's lag per partition (end offset − committed offset, from the broker, so it reads true when
 * the stage is stuck or has not fetched yet) — which doubles as a probe of whether the broker answers at all.
 * The committed offset of a partition written in transactions sits on the last commit marker: an idle partition
 * reads 1, as with Kafka's own tools.
 */
export class BrokerProbe {
  private readonly admin: Admin;
  private connected = false;
  private lastError: string | undefined;
  private lastLag: PartitionLag[] | undefined;

  constructor(
    kafka: Kafka,
    private readonly groupId: string,
    private readonly topic: string,
  ) {
    // Few retries: a probe that does not answer within a second or two is the answer.
    this.admin = kafka.admin({ retry: { initialRetryTime: 200, retries: 2 } });
  }

  /** The broker answered the last probe; otherwise why not (for readiness). */
  reachable(): true | string {
    return this.lastError === undefined ? true : `Kafka does not answer: ${this.lastError}`;
  }

  /** Lag per partition at the last successful probe (undefined before the first). */
  get lag(): readonly PartitionLag[] | undefined {
    return this.lastLag;
  }

  /** Probes once; never throws (a failure is kept for `reachable()`). */
  async probe(): Promise<void> {
    try {
      await this.ensureConnected();
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(this.topic),
        this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
      ]);
      const committedByPartition = new Map(
        (committed.find((t) => t.topic === this.topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
      );
      this.lastLag = ends.map(({ partition, high, low }) => {
        const end = Number(high);
        const at = committedByPartition.get(partition) ?? -1;
        const from = at >= 0 ? at : Number(low);
        return { partition, committed: at, end, lag: Math.max(0, end - from) };
      });
      this.lastError = undefined;
    } catch (error) {
      this.lastError = describeError(error).message;
    }
  }

  /**
   * The largest message each of `topics` accepts (its max.message.bytes, at most MAX_MESSAGE_BYTES) less a
   * margin for the record batch around it. A topic whose setting cannot be read gets MAX_MESSAGE_BYTES.
   */
  async messageLimits(topics: readonly string[]): Promise<Map<string, number>> {
    await this.ensureConnected();
    const limits = new Map(topics.map((topic) => [topic, MAX_MESSAGE_BYTES - RECORD_BATCH_MARGIN]));
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    for (const resource of resources) {
      const value = Number(resource.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (resource.errorCode === 0 && Number.isFinite(value) && value > 0)
        limits.set(resource.resourceName, Math.min(MAX_MESSAGE_BYTES, value) - RECORD_BATCH_MARGIN);
    }
    return limits;
  }

  /** The next offset to read of each of `partitions` as the group committed it (-1: none committed). */
  async committedOffsets(partitions: readonly number[]): Promise<Map<number, string>> {
    await this.ensureConnected();
    const [topic] = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
    const wanted = new Set(partitions);
    return new Map(
      (topic?.partitions ?? []).filter((p) => wanted.has(p.partition)).map((p) => [p.partition, p.offset]),
    );
  }

  /** How many members the group has now, as the broker says; throws when it does not answer. */
  async groupMembers(): Promise<number> {
    await this.ensureConnected();
    const { groups } = await this.admin.describeGroups([this.groupId]);
    return groups[0]?.members.length ?? 0;
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
    this.connected = false;
  }

  private async ensureConnected(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }
}
