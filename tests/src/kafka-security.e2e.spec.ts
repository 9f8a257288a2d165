import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLevel, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyReachable, launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import { createKafka, kafkaSecurityFromEnv } from '@audio-concepts/platform-kafka';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { TOPICS } from '@audio-concepts/shared-contracts';
import { demoConceptSpaceDir } from './demo-space';
import { freePort, LOG_DIR, REPO_ROOT } from './harness';

/**
 * Kafka's SASL settings (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD[_FILE]) against the real
 * local broker's SASL_PLAINTEXT listener (deploy/local/kafka.sh: PLAIN, port KAFKA_SASL_PORT, default 9094), as a
 * library client and as a built service.
 */

/** KAFKA_SASL_BROKERS, else the listener of deploy/local/kafka.sh: KAFKA_SASL_PORT, default KAFKA_PORT + 2 (9094). */
const SASL_BROKER =
  process.env.KAFKA_SASL_BROKERS ??
  `127.0.0.1:${process.env.KAFKA_SASL_PORT ?? Number(process.env.KAFKA_PORT ?? 9092) + 2}`;
/** The local broker's fixed user (deploy/local/kafka.sh, local use only). */
const USER = { KAFKA_SASL_USERNAME: 'audio_concepts', KAFKA_SASL_PASSWORD: 'audio-concepts-local-only' };
const RUN = randomBytes(4).toString('hex');

/** A client of the SASL listener with the security settings of `env`. */
function saslKafka(env: Record<string, string>): Kafka {
  return createKafka(
    { brokers: [SASL_BROKER], clientId: `kafka-security-e2e-${RUN}`, security: kafkaSecurityFromEnv(env) },
    { logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100 } },
  );
}

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('it succeeded, expected an error');
}

beforeAll(async () => {
  if (!(await anyReachable([SASL_BROKER])))
    throw new Error(
      `no SASL_PLAINTEXT listener answers at ${SASL_BROKER}: restart the local broker ` +
        '(deploy/local/kafka.sh stop && deploy/local/kafka.sh start), which adds one, or set KAFKA_SASL_BROKERS',
    );
});

describe('Kafka over SASL/PLAIN (the local broker)', () => {
  const topic = `e2e.${RUN}.sasl`;
  const kafka = saslKafka({ KAFKA_SASL_MECHANISM: 'plain', ...USER });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('the right credentials: creates a topic, produces and consumes', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'over SASL' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `kafka-security-e2e-${RUN}` });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    try {
      await waitFor(() => seen.length > 0, 'the message', 30_000);
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(['over SASL']);
  });

  it('the password from a file (KAFKA_SASL_PASSWORD_FILE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-sasl-'));
    try {
      writeFileSync(join(dir, 'password'), `${USER.KAFKA_SASL_PASSWORD}\n`, { mode: 0o600 });
      const fromFile = saslKafka({
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: USER.KAFKA_SASL_USERNAME,
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'password'),
      });
      const admin = fromFile.admin();
      await admin.connect();
      expect(await admin.listTopics()).toContain(topic);
      await admin.disconnect();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a wrong password: an authentication error that says so', async () => {
    const wrong = saslKafka({ KAFKA_SASL_MECHANISM: 'plain', ...USER, KAFKA_SASL_PASSWORD: 'not-the-password' });
    const error = await failure(wrong.admin().connect());
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(
      /^SASL PLAIN authentication failed: .*(Invalid username or password|Authentication failed)/,
    );
  });

  it('no SASL settings: the SASL listener does not let the client in', async () => {
    const plain = createKafka(
      { brokers: [SASL_BROKER], clientId: `kafka-security-e2e-${RUN}`, security: {} },
      { logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000, requestTimeout: 3_000 },
    );
    const admin = plain.admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect().catch(() => undefined);
  });

  it('bad settings: one error naming each', () => {
    expect(() =>
      kafkaSecurityFromEnv({
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SSL: 'yes',
        KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem',
      }),
    ).toThrow(
      'bad Kafka configuration: KAFKA_SASL_MECHANISM="gssapi" is not one of plain, scram-sha-256, scram-sha-512; ' +
        'KAFKA_SSL="yes" is not one of true, false; KAFKA_SSL_CA_FILE="/nonexistent/ca.pem" cannot be read: no such file',
    );
    expect(() => kafkaSecurityFromEnv({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      'bad Kafka configuration: KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_USERNAME is not set; ' +
        'KAFKA_SASL_MECHANISM is plain but neither KAFKA_SASL_PASSWORD nor KAFKA_SASL_PASSWORD_FILE is set',
    );
  });
});

describe('a built service with KAFKA_SASL_* (the decomposer on the SASL listener)', () => {
  const services: LaunchedService[] = [];
  afterAll(async () => Promise.all(services.map((service) => service.stop())));

  async function decomposer(env: Record<string, string>, name: string) {
    const port = await freePort();
    const logFile = join(LOG_DIR, `${name}-${port}.log`);
    const service = launchService({
      name,
      script: join(REPO_ROOT, 'apps', 'decomposer', 'dist', 'main.js'),
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        GRPC_PORT: String(await freePort()),
        CONCEPT_SPACE: await demoConceptSpaceDir(),
        KAFKA_BROKERS: SASL_BROKER,
        DECOMPOSER_GROUP: `kafka-security-e2e-${RUN}-${name}`,
        DECOMPOSER_INPUT_TOPIC: TOPICS.embeddings,
        KAFKA_SASL_MECHANISM: 'plain',
        ...env,
      },
      logFile,
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    services.push(service);
    return { service, logFile, readyUrl: `http://127.0.0.1:${port}/readyz` };
  }

  it('with the right credentials it consumes: ready', async () => {
    const { service } = await decomposer(USER, 'decomposer-sasl');
    await service.ready(90_000);
  }, 120_000);

  it('with a wrong password it is not ready, and its log says why', async () => {
    const { service, logFile, readyUrl } = await decomposer(
      { ...USER, KAFKA_SASL_PASSWORD: 'not-the-password' },
      'decomposer-sasl-wrong',
    );
    await waitFor(
      () => readFileSync(logFile, 'utf8').includes('SASL PLAIN authentication failed'),
      'the log line',
      60_000,
    );
    const response = await fetch(readyUrl);
    expect(response.status).toBe(503);
    expect(JSON.stringify(await response.json())).toMatch(/kafka/);
    expect(service.running).toBe(true);
  }, 120_000);
});
