import { createConsumer, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { errorMessage } from '@audio-concepts/shared-errors';
import type { Kafka } from 'kafkajs';
import { decodeState, type MetricsState } from './state.record';

/**
 * The latest committed state of `key` (the metrics service's consumer group) in the compacted state topic, read
 * whole from the beginning by a reader of its own; undefined when there is none. A record that cannot be read is
 * skipped with a warning (an older one, if any, is used).
 */
export async function readLatestState(
  kafka: Kafka,
  topic: string,
  key: string,
  options: { timeoutMs: number; warn: (message: string) => void },
): Promise<MetricsState | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const next = new Map(ends.map(({ partition, low }) => [partition, Number(low)]));
  const caughtUp = () => ends.every(({ partition, high }) => (next.get(partition) ?? 0) >= Number(high));
  if (caughtUp()) return undefined;

  let latest: MetricsState | undefined;
  const consumer = createConsumer(kafka, { groupId: uniqueGroupId('audio-concepts-metrics-state'), maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.key?.toString('utf8') !== key || message.value === null) continue;
          const state = decodeState(message.value);
          if (typeof state === 'string')
            options.warn(`skipping the state record at ${topic}/${batch.partition}@${message.offset}: ${state}`);
          else latest = state;
        }
        // lastOffset counts the transaction markers too, so the end offset is reached
        next.set(batch.partition, Math.max(next.get(batch.partition) ?? 0, Number(batch.lastOffset()) + 1));
      },
    });
    const deadline = Date.now() + options.timeoutMs;
    while (!caughtUp()) {
      if (Date.now() > deadline)
        throw new Error(`could not read the metrics state in ${topic} within ${options.timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    throw new Error(`cannot read the metrics state from ${topic}: ${errorMessage(error)}`, { cause: error });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return latest;
}
