import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer, type KafkaMessage } from 'kafkajs';
import { launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import {
  createConsumer,
  DEFAULT_BROKERS,
  decodeMessage,
  uniqueGroupId,
  type MessageType,
} from '@audio-concepts/platform-kafka';
import { demoConceptSpaceDir } from './demo-space';

/**
 * Helpers for the end-to-end tests: the built services run as real processes against the real local broker
 * (deploy/local/kafka.sh), each test with topics and consumer groups of its own.
 */

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const BROKERS = (process.env.KAFKA_BROKERS ?? DEFAULT_BROKERS.join(',')).split(',');
export const LOG_DIR = join(REPO_ROOT, '.test-results', 'e2e-logs');

export function createTestKafka(): Kafka {
  return new Kafka({ clientId: 'audio-concepts-e2e', brokers: BROKERS, logLevel: logLevel.NOTHING });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface PipelineTopics {
  windows: string;
  embeddings: string;
  concepts: string;
}

/** Fresh topics for one test (and their .dlq topics), `partitions` each. */
export async function createTopics(admin: Admin, partitions = 4): Promise<PipelineTopics> {
  const prefix = `e2e.${randomBytes(4).toString('hex')}`;
  const topics = {
    windows: `${prefix}.audio.windows.v1`,
    embeddings: `${prefix}.audio.embeddings.v1`,
    concepts: `${prefix}.audio.concepts.v1`,
  };
  const names = Object.values(topics).flatMap((topic) => [topic, `${topic}.dlq`]);
  await admin.createTopics({
    topics: names.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  return topics;
}

/** A fresh compacted heads topic (as deploy/local/topics.conf makes control.heads.v1), for one decomposer. */
export async function createHeadsTopic(): Promise<string> {
  const topic = `e2e.${randomBytes(4).toString('hex')}.control.heads.v1`;
  const admin = createTestKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'max.message.bytes', value: '33554432' },
          ],
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export type ServiceName = 'ingest' | 'encoder' | 'decomposer' | 'metrics' | 'trainer';

/**
 * Starts a built service (apps/<name>/dist/main.js) on free ports; resolves once it is ready. A decomposer gets the
 * demo model's stored concept space and, on the shared broker, a heads topic of its own unless `env` names one.
 */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  instance: string = name,
): Promise<LaunchedService & { baseUrl: string }> {
  const port = await freePort();
  const extra: Record<string, string> =
    name === 'decomposer'
      ? {
          GRPC_PORT: String(await freePort()),
          CONCEPT_SPACE: await demoConceptSpaceDir(),
          // heads of its own on the shared broker: a head left live on its control.heads.v1 must not change this
          // test's frames (a broker of the test's own, as the fault suite's, starts without one)
          ...(env.HEADS_TOPIC === undefined && (env.KAFKA_BROKERS ?? BROKERS.join(',')) === BROKERS.join(',')
            ? { HEADS_TOPIC: await createHeadsTopic() }
            : {}),
        }
      : {};
  const service = launchService({
    name: instance,
    script: join(REPO_ROOT, 'apps', name, 'dist', 'main.js'),
    env: { KAFKA_BROKERS: BROKERS.join(','), HOST: '127.0.0.1', PORT: String(port), ...extra, ...env },
    logFile: join(LOG_DIR, `${instance}-${port}.log`),
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
  await service.ready(90_000);
  return Object.assign(service, { baseUrl: `http://127.0.0.1:${port}` });
}

/** Collects every decoded message of a topic from the beginning, until `stop()`. */
export async function collect<T>(
  kafka: Kafka,
  topic: string,
  type: MessageType<T>,
  typeName: string,
): Promise<{ messages: T[]; consumer: Consumer; stop: () => Promise<void> }> {
  const messages: T[] = [];
  const consumer = await consumeFromStart(kafka, topic, (message) =>
    messages.push(decodeMessage(type, typeName, message.value)),
  );
  return { messages, consumer, stop: () => consumer.disconnect() };
}

/** A raw message: its key and headers as strings (dead-letter topics carry the original bytes and the error). */
export interface RawMessage {
  key: string | null;
  headers: Record<string, string>;
  value: Buffer | null;
}

/** Collects every message of a topic from the beginning, undecoded, until `stop()`. */
export async function collectRaw(
  kafka: Kafka,
  topic: string,
): Promise<{ messages: RawMessage[]; stop: () => Promise<void> }> {
  const messages: RawMessage[] = [];
  const consumer = await consumeFromStart(kafka, topic, (message) => {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    messages.push({ key: message.key?.toString('utf8') ?? null, headers, value: message.value });
  });
  return { messages, stop: () => consumer.disconnect() };
}

/** A consumer of its own group that hands every message of `topic`, from the beginning, to `onMessage`. */
async function consumeFromStart(
  kafka: Kafka,
  topic: string,
  onMessage: (message: KafkaMessage) => void,
): Promise<Consumer> {
  const consumer = createConsumer(kafka, { groupId: uniqueGroupId('e2e-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => onMessage(message) });
  return consumer;
}
