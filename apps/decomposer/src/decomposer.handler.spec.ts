import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decomposeEmbeddings, type Decomposer } from '@audio-concepts/decomposer-service';
import { startService } from '@audio-concepts/platform-runtime';
import { AudioEmbedding, ConceptFrame } from '@audio-concepts/shared-contracts';
import { ConceptSpace, gaussian, mulberry32, saveConceptSpace } from '@audio-concepts/decomposer-concepts';
import { DEFAULT_BROKERS, decodeMessage, encodeMessage } from '@audio-concepts/platform-kafka';
import { AppModule } from './app.module';
import { ConceptSpaceLoader } from './concept-space.loader';
import { readDecomposerConfig } from './config';
import { waitFor } from '@audio-concepts/platform-kafka/testing';

/**
 * The Kafka path of the decomposer app on the real broker (deploy/local/kafka.sh), with topics of its own, started
 * from a stored concept space alone: a synthetic one, so there is no CLAP model anywhere.
 */

const READY_TIMEOUT_MS = 60_000;
const WIRE_TOLERANCE = 1e-6;

const MODEL_ID = 'synthetic-model-7';
const [C, D] = [12, 32];

/** A stored space of `C` random concepts of dimension `D` for model MODEL_ID, with a calibration set. */
async function storeSyntheticSpace(dir: string): Promise<void> {
  const normal = gaussian(mulberry32(7));
  const space = ConceptSpace.build(
    {
      names: Array.from({ length: C }, (_, j) => `sound ${j}`),
      textEmbeddingsCxD: Float32Array.from({ length: C * D }, () => normal()),
      d: D,
      audioReferenceNxD: Float32Array.from({ length: 20 * D }, () => normal() + 0.3),
      modelId: MODEL_ID,
      vocabulary: 'synthetic',
    },
    { threads: 1 },
  );
  await saveConceptSpace(space, dir);
  await space.close();
}

function embeddingsOf(n: number, d: number, stream: string, modelId = MODEL_ID): AudioEmbedding[] {
  const normal = gaussian(mulberry32(3));
  return Array.from({ length: n }, (_, i) => ({
    streamId: stream,
    windowSeq: i,
    startMs: 10_000 * i,
    durationMs: 10_000,
    modelId,
    vector: Array.from({ length: d }, () => Math.fround(normal())),
    vectorF32le: new Uint8Array(),
    ingestedAtMs: 1_700_000_000_000 + i,
  }));
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

describe('decomposer Kafka path', () => {
  const prefix = `test.${randomBytes(4).toString('hex')}`;
  const topics = { input: `${prefix}.audio.embeddings.v1`, output: `${prefix}.audio.concepts.v1` };
  const cacheDir = mkdtempSync(join(tmpdir(), 'decomposer-handler-'));
  const kafka = new Kafka({
    clientId: 'decomposer-handler-spec',
    brokers: DEFAULT_BROKERS,
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  let app: INestApplication | undefined;
  let base: string;
  let decomposer: Decomposer;
  const frames: ConceptFrame[] = [];
  const deadLetters: { headers: Record<string, string>; value: Buffer | null }[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [topics.input, topics.output, `${topics.input}.dlq`].map((topic) => ({ topic, numPartitions: 2 })),
    });
    await storeSyntheticSpace(join(cacheDir, 'space'));
    const config = readDecomposerConfig({
      PORT: '0',
      GRPC_PORT: '0',
      CONCEPT_SPACE: join(cacheDir, 'space'),
      DECOMPOSER_GROUP: `${prefix}.decomposer`,
      DECOMPOSER_INPUT_TOPIC: topics.input,
      DECOMPOSER_OUTPUT_TOPIC: topics.output,
      DECOMPOSER_MAX_WAIT_MS: '20',
      // set by deployments of decomposers that cut frames to a top K; ignored now (with a warning)
      TOP_K: '3',
    });
    app = await startService(AppModule.forRoot(config), {
      name: 'decomposer',
      host: '127.0.0.1',
      port: 0,
      logLevels: ['error'],
    });
    base = await app.getUrl();
    decomposer = (await app.get(ConceptSpaceLoader).loaded(new AbortController().signal))!;
    producer = kafka.producer();
    await producer.connect();
    consumer = kafka.consumer({ groupId: `${prefix}.reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.output, `${topics.input}.dlq`], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.output)
          frames.push(decodeMessage(ConceptFrame, 'audio_concepts.v1.ConceptFrame', message.value));
        else deadLetters.push({ headers: headersOf(message.headers), value: message.value });
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await app?.close();
    await admin?.deleteTopics({ topics: [topics.input, topics.output, `${topics.input}.dlq`] }).catch(() => undefined);
    await admin?.disconnect();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('is ready once the concept space is loaded, Kafka joined and gRPC listens', async () => {
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, '/readyz', READY_TIMEOUT_MS);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('serves the stored space', () => {
    const space = decomposer.defaultSpace;
    expect([space.metadata.modelId, space.c, space.d, space.audioMeanSource]).toEqual([MODEL_ID, C, D, 'calibration']);
  });

  it("turns embeddings into the library frames, every non-zero concept in each, and dead-letters a bad one and another model's alone", async () => {
    const space = decomposer.defaultSpace;
    const embeddings = embeddingsOf(6, space.d, 'stream-a');
    const bad = { ...embeddings[5], windowSeq: 99, vector: embeddings[5].vector.slice(0, 7) };
    const foreign = { ...embeddingsOf(1, space.d, 'stream-b', 'another-model')[0], windowSeq: 42 };
    await producer.send({
      topic: topics.input,
      acks: -1,
      messages: [...embeddings, bad, foreign].map((e) => ({
        key: e.streamId,
        value: encodeMessage(AudioEmbedding, e),
        headers: { 'content-type': 'application/x-protobuf', 'message-type': 'audio_concepts.v1.AudioEmbedding' },
      })),
    });
    await waitFor(() => frames.length >= embeddings.length && deadLetters.length >= 2, 'frames and two dead letters');

    const expected = (await decomposeEmbeddings(space, embeddings, { lambda: 0.15 })) as ConceptFrame[];
    const bySeq = new Map(frames.map((f) => [f.windowSeq, f]));
    expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const want of expected) {
      const frame = bySeq.get(want.windowSeq)!;
      expect({ ...frame, concepts: [], cosine: 0, lambda: 0 }).toEqual({ ...want, concepts: [], cosine: 0, lambda: 0 });
      expect(frame.concepts.map((c) => c.label)).toEqual(want.concepts.map((c) => c.label));
      frame.concepts.forEach((c, k) =>
        expect(Math.abs(c.weight - want.concepts[k].weight)).toBeLessThan(WIRE_TOLERANCE),
      );
      expect(Math.abs(frame.cosine - want.cosine)).toBeLessThan(WIRE_TOLERANCE);
      expect(frame.concepts).toHaveLength(frame.l0);
    }
    expect(frames.some((f) => f.l0 > 3)).toBe(true);
    expect(deadLetters).toHaveLength(2);
    const letters = new Map(deadLetters.map((l) => [l.headers['error-type'], l.headers]));
    expect(letters.get('ShapeMismatchError')).toMatchObject({
      'error-message': `embedding of stream "stream-a" window 99 has 7 values, expected d = ${space.d} (model ${space.metadata.modelId})`,
      'source-topic': topics.input,
      'failed-stage': 'decomposer',
    });
    expect(letters.get('InvalidInputError')).toMatchObject({
      'error-message':
        `embedding of stream "stream-b" window 42 comes from model "another-model", but concept space ${space.id} ` +
        `is for model "${MODEL_ID}"`,
      'source-topic': topics.input,
      'failed-stage': 'decomposer',
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/audio_concepts_decomposer_frames_total\{transport="kafka",service="decomposer"\} 6/);
  });
});
