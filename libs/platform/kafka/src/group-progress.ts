import type { Kafka } from 'kafkajs';
import { BrokerProbe } from './broker.probe';

/** One look at a consumer group on its input topic. */
export interface GroupSample {
  group: string;
  topic: string;
  /** members of the group now (consumers in it) */
  members: number;
  /** end offset − committed offset, summed over the partitions */
  lag: number;
  /** the committed offsets summed over the partitions: what the group has consumed and committed so far */
  committed: number;
  /** when (Date.now()) */
  atMs: number;
}

/**
 * A consumer group's progress through its input topic, as the broker sees it: members, lag, and from two samples
 * the rate at which it commits (records per second; exact on a topic written without transactions, such as the
 * windows ingest writes; on one written in transactions each commit marker counts one record more).
 */
export class GroupProgress {
  private readonly probe: BrokerProbe;

  constructor(
    kafka: Kafka,
    readonly group: string,
    readonly topic: string,
  ) {
    this.probe = new BrokerProbe(kafka, group, topic);
  }

  /** Asks the broker; throws when it does not answer. */
  async sample(): Promise<GroupSample> {
    await this.probe.probe();
    const reachable = this.probe.reachable();
    if (reachable !== true) throw new Error(reachable);
    const members = await this.probe.groupMembers();
    const partitions = this.probe.lag ?? [];
    return {
      group: this.group,
      topic: this.topic,
      members,
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      committed: partitions.reduce((sum, p) => sum + Math.max(0, p.end - p.lag), 0),
      atMs: Date.now(),
    };
  }

  /** Records per second committed between two samples of the same group. */
  static rate(previous: GroupSample, next: GroupSample): number {
    const seconds = (next.atMs - previous.atMs) / 1000;
    return seconds > 0 ? Math.max(0, next.committed - previous.committed) / seconds : 0;
  }

  async close(): Promise<void> {
    await this.probe.disconnect();
  }
}
