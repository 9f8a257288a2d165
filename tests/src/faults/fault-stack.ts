import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createConsumer, decodeMessage, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { sleep } from '@audio-concepts/platform-retry';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { ConceptFrame, TOPICS } from '@audio-concepts/shared-contracts';
import { startService, type ServiceName as AnyService } from '../harness';

/** The pipeline's services (the fault suite runs no trainer). */
type ServiceName = Exclude<AnyService, 'trainer'>;
import { OwnBroker } from './own-broker';

export const TOKEN = randomBytes(32).toString('base64url');

/** The settings of every service of the suite: short session timeouts so that a crashed member is replaced soon. */
const SERVICE_ENV: Record<ServiceName, Record<string, string>> = {
  ingest: { INGEST_TOKEN: TOKEN, INSTANCE_ID: 'ingest-1' },
  encoder: { INSTANCE_ID: 'encoder-1', KAFKA_SESSION_TIMEOUT_MS: '10000' },
  decomposer: { INSTANCE_ID: 'decomposer-1', KAFKA_SESSION_TIMEOUT_MS: '10000' },
  metrics: { METRICS_TOKEN: TOKEN, INSTANCE_ID: 'metrics-1', KAFKA_SESSION_TIMEOUT_MS: '10000' },
};

export type Readiness = number | 'no answer';

/**
 * The whole pipeline (ingest → encoder → decomposer, each a real process) on a broker of its own, with the means
 * to break it: kill or pause a service, kill the broker, and count what came out with kafkajs and with kcat.
 */
export class FaultStack {
  readonly services = new Map<ServiceName, LaunchedService & { baseUrl: string }>();
  private constructor(
    readonly broker: OwnBroker,
    readonly extraEnv: Record<string, string>,
  ) {}

  static async start(extraEnv: Record<string, string> = {}): Promise<FaultStack> {
    const stack = new FaultStack(await OwnBroker.start(), extraEnv);
    await Promise.all((['decomposer', 'encoder', 'ingest'] as const).map((name) => stack.start(name)));
    return stack;
  }

  async start(name: ServiceName): Promise<void> {
    const env = { KAFKA_BROKERS: this.broker.address, ...SERVICE_ENV[name], ...this.extraEnv };
    this.services.set(name, await startService(name, env, `fault-${name}`));
  }

  service(name: ServiceName): LaunchedService & { baseUrl: string } {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  }

  async stop(): Promise<void> {
    for (const service of this.services.values()) {
      this.signal(service, 'SIGCONT');
      await service.stop(5_000);
    }
    this.broker.stop();
  }

  signal(service: LaunchedService, signal: NodeJS.Signals): void {
    try {
      process.kill(service.pid, signal);
    } catch {
      // already gone
    }
  }

  /** /readyz's status, or 'no answer' within a second (a paused or dead process). */
  async readiness(name: ServiceName): Promise<Readiness> {
    try {
      const response = await fetch(`${this.service(name).baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      return response.status;
    } catch {
      return 'no answer';
    }
  }

  /** The sum of a metric's samples on a service's /metrics (undefined when it does not answer). */
  async metric(name: ServiceName, metric: string): Promise<number | undefined> {
    try {
      const response = await fetch(`${this.service(name).baseUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
      const text = await response.text();
      const values = [...text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) =>
        Number(m[1]),
      );
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
    } catch {
      return undefined;
    }
  }

  /** POSTs `file` to a stream; `chunkBytes`/`pauseMs` send it slowly (a client on a slow link). */
  async upload(
    stream: string,
    file: string,
    options: { chunkBytes?: number; pauseMs?: number; seqStart?: number } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const bytes = readFileSync(file);
    const { chunkBytes = bytes.length, pauseMs = 0 } = options;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let at = 0; at < bytes.length; at += chunkBytes) {
          controller.enqueue(bytes.subarray(at, at + chunkBytes));
          if (pauseMs > 0) await sleep(pauseMs);
        }
        controller.close();
      },
    });
    const query = options.seqStart === undefined ? '' : `?seq_start=${options.seqStart}`;
    const ingest = this.service('ingest');
    try {
      const response = await fetch(`${ingest.baseUrl}/v1/streams/${stream}/audio${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new Error(
        `POST ${stream} to ingest (pid ${ingest.pid}, running ${ingest.running}, /readyz ${await this.readiness('ingest')}) failed: ${String(error)}${cause}`,
        { cause: error },
      );
    }
  }

  /** Messages per key in `topic`, read with kcat (a librdkafka client) at the given isolation level. */
  kcatCounts(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Map<string, number> {
    const r = spawnSync(
      'kcat',
      [
        '-C',
        '-b',
        this.broker.address,
        '-t',
        topic,
        '-o',
        'beginning',
        '-e',
        '-q',
        '-X',
        `isolation.level=${isolation}`,
        '-f',
        '%k\n',
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`kcat -C ${topic} failed (${r.status}): ${r.stderr}`);
    const counts = new Map<string, number>();
    for (const key of r.stdout.split('\n').filter((k) => k !== '')) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  }

  /** kcat -P of one message (the murmur2 partitioner, as the services'); `partition` pins it. */
  kcatProduce(topic: string, key: string, value: Buffer, partition?: number): void {
    const argv = [
      '-P',
      '-b',
      this.broker.address,
      '-t',
      topic,
      '-k',
      key,
      '-X',
      'message.max.bytes=10000000',
      '-X',
      'partitioner=murmur2_random',
    ];
    if (partition !== undefined) argv.push('-p', String(partition));
    const r = spawnSync('kcat', argv, { input: value, encoding: 'buffer', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`kcat -P ${topic} failed (${r.status}): ${r.stderr.toString()}`);
  }

  /**
   * The window seqs of `stream`'s concept frames, every copy, as a read_committed kafkajs consumer of a group of
   * its own sees them (raw: nothing deduplicated), once at least `expected` are there and no more arrive for 1 s.
   */
  async frameSeqs(stream: string, expected: number, timeoutMs = 60_000): Promise<number[]> {
    const kafka = new Kafka({ clientId: 'fault-reader', brokers: [this.broker.address], logLevel: logLevel.NOTHING });
    const consumer = createConsumer(kafka, { groupId: uniqueGroupId('fault-reader') });
    const seqs: number[] = [];
    let lastAt = Date.now();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPICS.concepts, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const frame = decodeMessage(ConceptFrame, 'audio_concepts.v1.ConceptFrame', message.value);
          if (frame.streamId === stream) seqs.push(frame.windowSeq);
          lastAt = Date.now();
        },
      });
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && (seqs.length < expected || Date.now() - lastAt < 1_000)) await sleep(100);
    } finally {
      await consumer.disconnect();
    }
    return [...seqs];
  }

  /** Waits until `stream` has `expected` frames (kcat, read_committed); the milliseconds it took. */
  async waitForFrames(stream: string, expected: number, timeoutMs = 90_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if ((this.kcatCounts(TOPICS.concepts, 'read_committed').get(stream) ?? 0) >= expected)
        return Date.now() - started;
      await sleep(250);
    }
    return Number.NaN;
  }
}

export const AUDIO_DIR = join(__dirname, '..', '..', '..', 'examples', 'audio');
