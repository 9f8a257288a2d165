import { BrokerProbe } from '@audio-concepts/platform-kafka';
import { errorMessage } from '@audio-concepts/shared-errors';
import type { Admin, Kafka } from 'kafkajs';
import type { WatchMetrics } from './watch.metrics';

/** A stage's consumer group and the topic it reads. */
export interface WatchedGroup {
  consumerGroup: string;
  topic: string;
}

/**
 * Reads, on a timer, what the broker knows of the whole pipeline: every stage's consumer lag (end offset −
 * committed offset, summed over partitions) and every topic's end offsets (dead-letter topics included, so their
 * growth can be alerted on). A probe that fails marks the broker unreachable and leaves the last figures.
 */
export class PipelineOffsets {
  private readonly probes: { group: WatchedGroup; probe: BrokerProbe }[];
  private readonly admin: Admin;
  private connected = false;
  private lastError: string | undefined;

  constructor(
    kafka: Kafka,
    groups: readonly WatchedGroup[],
    private readonly topics: readonly string[],
    private readonly metrics: WatchMetrics,
  ) {
    this.probes = groups.map((group) => ({ group, probe: new BrokerProbe(kafka, group.consumerGroup, group.topic) }));
    this.admin = kafka.admin({ retry: { initialRetryTime: 200, retries: 2 } });
  }

  reachable(): true | string {
    return this.lastError === undefined ? true : `Kafka does not answer: ${this.lastError}`;
  }

  async probe(): Promise<void> {
    await Promise.all(this.probes.map(({ probe }) => probe.probe()));
    for (const { group, probe } of this.probes) {
      const lag = probe.lag;
      if (lag) {
        const total = lag.reduce((sum, p) => sum + p.lag, 0);
        this.metrics.consumerLag.set({ consumer_group: group.consumerGroup, topic: group.topic }, total);
      }
    }
    try {
      if (!this.connected) {
        await this.admin.connect();
        this.connected = true;
      }
      const answered = await Promise.all(this.topics.map((topic) => this.readEnds(topic)));
      // a topic that does not exist (a dead-letter topic never created) is no sign of a broker outage
      this.lastError = answered.some(Boolean) || this.topics.length === 0 ? undefined : this.lastError;
    } catch (error) {
      this.lastError = errorMessage(error);
    }
    const probed = this.probes[0]?.probe.reachable() ?? true;
    if (probed !== true) this.lastError = probed;
    this.metrics.kafkaUp.set(this.lastError === undefined ? 1 : 0);
  }

  private async readEnds(topic: string): Promise<boolean> {
    try {
      const ends = await this.admin.fetchTopicOffsets(topic);
      this.metrics.topicEnd.set({ topic }, ends.reduce((sum, p) => sum + Number(p.high), 0));
      return true;
    } catch (error) {
      this.lastError = `${topic}: ${errorMessage(error)}`;
      return false;
    }
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.probes.map(({ probe }) => probe.disconnect()));
    await this.admin.disconnect().catch(() => undefined);
  }
}
