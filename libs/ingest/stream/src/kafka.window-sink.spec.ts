import { randomUUID } from 'node:crypto';
import { AudioWindow, audioWindowWith } from '@audio-concepts/shared-contracts';
import {
  createConsumer,
  createKafka,
  DEFAULT_BROKERS,
  decodeMessage,
  uniqueGroupId,
} from '@audio-concepts/platform-kafka';
import { type Admin, type Consumer, type Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowPublishError } from './ingest.errors';
import { IngestProducer } from './ingest.producer';
import { KafkaReachability } from './kafka.reachability';
import { KafkaWindowSink } from './kafka.window-sink';

/** Against the real local broker (deploy/local/kafka.sh). */
describe('KafkaWindowSink', () => {
  const topic = `test.${randomUUID()}.audio.windows.v1`;
  const lines: string[] = [];
  const log = { log: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };
  let kafka: Kafka;
  let admin: Admin;
  let consumer: Consumer;
  let producer: IngestProducer;
  let reachability: KafkaReachability;
  let sink: KafkaWindowSink;

  beforeAll(async () => {
    kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'ingest-sink-test' }, { logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    consumer = createConsumer(kafka, { groupId: uniqueGroupId('test') });
    producer = new IngestProducer(kafka, log);
    reachability = new KafkaReachability(kafka, [topic]);
    sink = new KafkaWindowSink(producer, topic, reachability);
  });
  afterAll(async () => {
    await producer.stop();
    await reachability.stop();
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const window = (seq: number): AudioWindow =>
    audioWindowWith(
      {
        streamId: 'radio-1',
        windowSeq: seq,
        startMs: seq * 10_000,
        durationMs: 10_000,
        sampleRate: 48_000,
        ingestedAtMs: 1_700_000_000_000 + seq,
      },
      new Float32Array([0.5, -0.25, 0.125]),
    );

  it('is not ready and refuses to publish before it is connected', async () => {
    expect(sink.readiness()).toBe('connecting to Kafka');
    await expect(sink.publish(window(0))).rejects.toBeInstanceOf(WindowPublishError);
  });

  it('publishes AudioWindow protobufs keyed by stream id with the contract headers, idempotently', async () => {
    void producer.start();
    reachability.start();
    await expect.poll(() => sink.readiness(), { timeout: 30_000 }).toBe(true);
    for (const seq of [0, 1, 2]) await sink.publish(window(seq));

    const received: {
      key: string;
      headers: Record<string, string>;
      partition: number;
      producerId: string;
      value: AudioWindow;
    }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({
          key: message.key?.toString() ?? '',
          partition,
          // the record batch's producer id: -1 unless the producer is idempotent
          producerId: String((message as { batchContext?: { producerId?: unknown } }).batchContext?.producerId),
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          value: decodeMessage(AudioWindow, 'audio_concepts.v1.AudioWindow', message.value),
        });
      },
    });
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(3);
    expect(received.map((m) => m.value)).toEqual([window(0), window(1), window(2)]);
    expect(new Set(received.map((m) => m.partition)).size).toBe(1);
    expect(received[0].key).toBe('radio-1');
    expect(received[0].headers).toEqual({
      'content-type': 'application/x-protobuf',
      'message-type': 'audio_concepts.v1.AudioWindow',
    });
    expect(received.every((m) => Number(m.producerId) >= 0)).toBe(true);
    expect(lines).toContain('connected to Kafka (idempotent producer)');
  });

  it('is not ready, and fails with a WindowPublishError, when the topic does not exist', async () => {
    const name = `test.${randomUUID()}.missing`;
    const probe = new KafkaReachability(kafka, [name]);
    const missing = new KafkaWindowSink(producer, name, probe);
    try {
      await probe.probe();
      expect(missing.readiness()).toMatch(/^Kafka does not answer: .*/);
      const publishing = missing.publish(window(0));
      await expect(publishing).rejects.toBeInstanceOf(WindowPublishError);
      await expect(publishing).rejects.toThrow(/publishing window 0 of stream radio-1 to test\..*\.missing failed: /);
      // the failed send replaced the producer; it connects again and the good topic takes windows
      await expect.poll(() => sink.readiness(), { timeout: 30_000 }).toBe(true);
      await sink.publish(window(3));
    } finally {
      await probe.stop();
    }
  });
});
