import { randomBytes } from 'node:crypto';
import { Partitioners, type Admin, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupProgress } from './group-progress';
import { createKafka, DEFAULT_BROKERS } from './kafka.settings';

// Real broker (deploy/local/kafka.sh start); a topic and group of its own.
let kafka: Kafka;
let admin: Admin;
const topic = `test.${randomBytes(4).toString('hex')}.progress`;
const group = `${topic}.group`;

beforeAll(async () => {
  kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'group-progress-spec' });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

describe('GroupProgress (what `stack lag` prints)', () => {
  it('reads members, lag and committed offsets from the broker, and the commit rate between two samples', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: Buffer.from([i]) })),
    });
    await producer.disconnect();
    const progress = new GroupProgress(kafka, group, topic);
    try {
      const before = await progress.sample();
      expect(before).toMatchObject({ group, topic, members: 0, lag: 10, committed: 0 });
      // the group commits 3 records of partition 0 and 4 of partition 1: 7 consumed, 3 waiting
      await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '3' }, { partition: 1, offset: '4' }] }); // prettier-ignore
      const after = await progress.sample();
      expect(after).toMatchObject({ members: 0, lag: 3, committed: 7 });
      const seconds = (after.atMs - before.atMs) / 1000;
      expect(GroupProgress.rate(before, after)).toBeCloseTo(7 / seconds, 6);
      expect(GroupProgress.rate(after, after)).toBe(0);
    } finally {
      await progress.close();
    }
  });

  it('counts the consumers in the group', async () => {
    const consumer = kafka.consumer({ groupId: group });
    const progress = new GroupProgress(kafka, group, topic);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: false });
      await consumer.run({ eachMessage: async () => undefined });
      const deadline = Date.now() + 30_000;
      let members = 0;
      while (members !== 1 && Date.now() < deadline) {
        members = (await progress.sample()).members;
        if (members !== 1) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(members).toBe(1);
    } finally {
      await consumer.disconnect();
      await progress.close();
    }
  });
});
