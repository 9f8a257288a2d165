import { randomUUID } from 'node:crypto';
import { createKafka, DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';
import { type Admin, ConfigResourceTypes, type Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestProducer } from './ingest.producer';
import { KafkaStreamPositions } from './kafka.stream-positions';
import { StreamRegistry } from './stream.registry';

/** Against the real local broker (deploy/local/kafka.sh). */
describe('KafkaStreamPositions', () => {
  const topic = `test.${randomUUID()}.audio.stream-positions.v1`;
  const lines: string[] = [];
  const log = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  let kafka: Kafka;
  let admin: Admin;
  let producer: IngestProducer;
  const opened: KafkaStreamPositions[] = [];

  /** A positions log of a fresh ingest instance (its own registry), loaded. */
  async function open(
    instance: string,
    name = topic,
  ): Promise<{ sut: KafkaStreamPositions; registry: StreamRegistry }> {
    const registry = new StreamRegistry();
    const sut = new KafkaStreamPositions(kafka, producer, name, registry, log, { instance });
    opened.push(sut);
    void sut.start();
    return { sut, registry };
  }

  beforeAll(async () => {
    kafka = createKafka(
      { brokers: DEFAULT_BROKERS, clientId: 'ingest-positions-test' },
      { logLevel: logLevel.NOTHING },
    );
    admin = kafka.admin();
    await admin.connect();
    producer = new IngestProducer(kafka, log);
    await producer.start();
  });
  afterAll(async () => {
    await Promise.all(opened.map((p) => p.stop()));
    await producer.stop();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topic.slice(0, 42)));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates the topic compacted, and a new instance learns what another wrote', async () => {
    const first = await open('ingest-a');
    await expect.poll(() => first.sut.readiness(), { timeout: 30_000 }).toBe(true);
    expect(lines).toContain(`created the compacted topic ${topic}`);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    });
    expect(resources[0].configEntries[0].configValue).toBe('compact');

    await first.sut.save('radio-1', { nextSeq: 4, nextStartMs: 35_000 });
    await first.sut.save('radio-1', { nextSeq: 8, nextStartMs: 70_000 });
    await first.sut.save('radio-2', { nextSeq: 1, nextStartMs: 3_000 });

    // a restarted ingest reads the whole topic before it is ready
    const second = await open('ingest-b');
    await expect.poll(() => second.sut.readiness(), { timeout: 30_000 }).toBe(true);
    expect(second.registry.positionOf('radio-1')).toEqual({ nextSeq: 8, nextStartMs: 70_000 });
    expect(second.registry.positionOf('radio-2')).toEqual({ nextSeq: 1, nextStartMs: 3_000 });

    // and follows it: after catchUp, what the other wrote since is known
    await second.sut.save('radio-1', { nextSeq: 12, nextStartMs: 110_000 });
    await first.sut.catchUp();
    expect(first.registry.positionOf('radio-1')).toEqual({ nextSeq: 12, nextStartMs: 110_000 });
  });

  it('notices a stream fed through two instances at once', async () => {
    const a = await open('ingest-c');
    await expect.poll(() => a.sut.readiness(), { timeout: 30_000 }).toBe(true);
    const lease = a.registry.acquire('both');
    const b = await open('ingest-d');
    await expect.poll(() => b.sut.readiness(), { timeout: 30_000 }).toBe(true);
    await b.sut.save('both', { nextSeq: 1, nextStartMs: 10_000 });
    await a.sut.catchUp();
    expect(lines).toContain(
      'stream both is fed here and through ingest ingest-d at the same time: feed a stream through one ingest at a time',
    );
    lease.release({ nextSeq: 0, nextStartMs: 0 });
  });

  it('refuses a positions topic that is not compacted (its records would expire)', async () => {
    const name = `${topic}.deleting`;
    await admin.createTopics({ topics: [{ topic: name, numPartitions: 1 }], waitForLeaders: true });
    const { sut } = await open('ingest-e', name);
    await expect
      .poll(() => sut.readiness(), { timeout: 30_000 })
      .toMatch(/^stream positions \(.*\.deleting\): the topic has cleanup\.policy=delete; it must be compact/);
  });
});
