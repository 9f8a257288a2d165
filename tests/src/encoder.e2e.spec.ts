import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { AssignerProtocol, Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchService, type LaunchedService } from '@audio-concepts/platform-launcher';
import { AudioEmbedding, AudioWindow, vectorOf } from '@audio-concepts/shared-contracts';
import { createConsumer, encodeMessage, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { createTestKafka, createTopics, freePort, LOG_DIR, REPO_ROOT, type PipelineTopics } from './harness';
import { waitFor } from '@audio-concepts/platform-kafka/testing';

/**
 * The built encoder (apps/encoder/dist/main.js, demo model) as real processes in one consumer group on the real
 * broker: partitions split between instances, a SIGKILLed instance loses no window, poison goes to the
 * dead-letter topic and the stream goes on. Each test has its own topics (4 partitions) and group.
 */

const WINDOW_TYPE = 'audio_concepts.v1.AudioWindow';
const SAMPLE_RATE = 48_000;
/** 1 s of PCM per window keeps messages small; the model repeat-pads it to its 10 s window. */
const WINDOW_SAMPLES = SAMPLE_RATE;
const PARTITIONS = 4;
const READY_TIMEOUT_MS = 60_000;
const FLOW_TIMEOUT_MS = 60_000;
/** The broker's minimum: a killed encoder's partitions move to the others after this. */
const SESSION_TIMEOUT_MS = 6_000;

interface Encoder extends LaunchedService {
  baseUrl: string;
}

interface RawMessage {
  partition: number;
  offset: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const encoders: Encoder[] = [];
const readers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kafka = createTestKafka();
  admin = kafka.admin();
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([admin.connect(), producer.connect()]);
});

afterAll(async () => {
  await Promise.allSettled(encoders.map((encoder) => encoder.stop(5_000)));
  await Promise.allSettled(readers.map((stop) => stop()));
  await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
}, 60_000);

/** Starts an encoder on `topics` in `group`; resolves once /readyz says the model and Kafka are ready. */
async function startEncoder(topics: PipelineTopics, group: string, name: string): Promise<Encoder> {
  const port = await freePort();
  const service = launchService({
    name,
    script: join(REPO_ROOT, 'apps', 'encoder', 'dist', 'main.js'),
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      ENCODER_INPUT_TOPIC: topics.windows,
      ENCODER_OUTPUT_TOPIC: topics.embeddings,
      ENCODER_GROUP: group,
      KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      DEVICE: 'cpu',
      // two encoders share the test machine's cores
      ENCODER_THREADS: '1',
    },
    logFile: join(LOG_DIR, `${name}-${port}.log`),
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
  const encoder = Object.assign(service, { baseUrl: `http://127.0.0.1:${port}` });
  encoders.push(encoder);
  await encoder.ready(READY_TIMEOUT_MS);
  return encoder;
}

/** Every message of `topic` from the beginning, raw, as it arrives. */
async function readAll(topic: string): Promise<RawMessage[]> {
  const messages: RawMessage[] = [];
  const consumer = createConsumer(kafka, { groupId: uniqueGroupId('e2e-reader'), maxWaitTimeInMs: 200 });
  readers.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      messages.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? '',
        value: message.value as Buffer,
        headers,
      });
    },
  });
  return messages;
}

/**
 * A window in wire format v1 (PCM as `repeated float`), as a producer from before the v2 upgrade writes it: the
 * encoder reads both formats, so these tests also show that a rolling upgrade loses nothing.
 */
function sineWindow(streamId: string, windowSeq: number, hz: number): AudioWindow {
  const pcm = Array.from({ length: WINDOW_SAMPLES }, (_, i) => 0.4 * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE));
  return {
    streamId,
    windowSeq,
    startMs: windowSeq * 1000,
    durationMs: 1000,
    sampleRate: SAMPLE_RATE,
    pcm,
    pcmF32le: new Uint8Array(0),
    ingestedAtMs: Date.now(),
  };
}

/** Sends windows in order; stream i goes to partition i mod 4 so that every partition has work. */
async function produce(topic: string, windows: { window: AudioWindow; partition: number }[]): Promise<void> {
  for (let start = 0; start < windows.length; start += 8)
    await producer.send({
      topic,
      acks: -1,
      messages: windows.slice(start, start + 8).map(({ window, partition }) => ({
        key: window.streamId,
        partition,
        value: encodeMessage(AudioWindow, window),
        headers: { 'content-type': 'application/x-protobuf', 'message-type': WINDOW_TYPE },
      })),
    });
}

function streamWindows(streams: string[], seqs: number[]): { window: AudioWindow; partition: number }[] {
  return seqs.flatMap((seq) =>
    streams.map((stream, i) => ({ window: sineWindow(stream, seq, 110 * (i + 1)), partition: i % PARTITIONS })),
  );
}

const embeddingOf = (message: RawMessage) => AudioEmbedding.decode(message.value);
const idOf = (e: { streamId: string; windowSeq: number }) => `${e.streamId}/${e.windowSeq}`;

/** The partitions of `topic` each member of `group` holds, once the group is stable. */
async function assignments(group: string, topic: string): Promise<number[][]> {
  const { groups } = await admin.describeGroups([group]);
  if (groups[0]?.state !== 'Stable') return [];
  return groups[0].members.map(
    (member) => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[topic] ?? [],
  );
}

async function committedEverything(group: string, topic: string): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.every((end) => {
    const partition = committed.partitions.find((p) => p.partition === end.partition);
    return Math.max(0, Number(partition?.offset ?? -1)) === Number(end.high);
  });
}

async function counter(encoder: Encoder, outcome: string): Promise<number> {
  const text = await (await fetch(`${encoder.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`audio_concepts_encoder_messages_total{outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

function newGroup(): string {
  return `e2e-encoder-${randomBytes(4).toString('hex')}`;
}

describe('encoder service (real Kafka, demo model)', () => {
  it('two encoders in one group split the partitions and together produce exactly one embedding per window', async () => {
    const topics = await createTopics(admin, PARTITIONS);
    const group = newGroup();
    const a = await startEncoder(topics, group, 'encoder-a');
    const b = await startEncoder(topics, group, 'encoder-b');
    let held: number[][] = [];
    await waitFor(
      async () => {
        held = await assignments(group, topics.windows);
        return held.length === 2 && held.every((partitions) => partitions.length > 0);
      },
      'both encoders to hold partitions',
      30_000,
    );
    expect(held.flat().sort()).toEqual([0, 1, 2, 3]);

    const embeddings = await readAll(topics.embeddings);
    const streams = Array.from({ length: 8 }, (_, i) => `split-${i}`);
    const windows = streamWindows(streams, [0, 1, 2, 3]);
    await produce(topics.windows, windows);
    await waitFor(() => embeddings.length >= windows.length, 'an embedding for every window', FLOW_TIMEOUT_MS);
    await waitFor(() => committedEverything(group, topics.windows), 'the group to commit', FLOW_TIMEOUT_MS);

    expect(embeddings).toHaveLength(windows.length);
    expect(new Set(embeddings.map((m) => idOf(embeddingOf(m)))).size).toBe(windows.length);
    for (const message of embeddings) {
      const embedding = embeddingOf(message);
      expect(message.key).toBe(embedding.streamId);
      expect(message.headers['message-type']).toBe('audio_concepts.v1.AudioEmbedding');
      expect(vectorOf(embedding)).toHaveLength(512);
      expect(embedding.vector).toEqual([]); // the encoder writes wire format v2
    }
    const [okA, okB] = await Promise.all([counter(a, 'ok'), counter(b, 'ok')]);
    expect(okA).toBeGreaterThan(0);
    expect(okB).toBeGreaterThan(0);
    expect(okA + okB).toBe(windows.length);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('loses no window when an encoder is SIGKILLed mid-stream and started again', async () => {
    const topics = await createTopics(admin, PARTITIONS);
    const group = newGroup();
    const a = await startEncoder(topics, group, 'encoder-a');
    const b = await startEncoder(topics, group, 'encoder-b');
    await waitFor(
      async () => (await assignments(group, topics.windows)).filter((p) => p.length > 0).length === 2,
      'both encoders to hold partitions',
      30_000,
    );
    const embeddings = await readAll(topics.embeddings);
    const streams = Array.from({ length: 8 }, (_, i) => `kill-${i}`);
    const seqs = Array.from({ length: 12 }, (_, seq) => seq);
    await produce(topics.windows, streamWindows(streams, seqs.slice(0, 8)));

    await waitFor(() => embeddings.length >= 12, 'the first embeddings', FLOW_TIMEOUT_MS);
    await a.kill();
    const producedBeforeKill = embeddings.length;
    await produce(topics.windows, streamWindows(streams, seqs.slice(8)));
    const restarted = await startEncoder(topics, group, 'encoder-a2');

    const total = streams.length * seqs.length;
    // A downstream consumer's view: at-least-once, deduped by (stream, seq).
    const unique = () => new Set(embeddings.map((m) => idOf(embeddingOf(m))));
    await waitFor(() => unique().size === total, `all ${total} windows embedded`, FLOW_TIMEOUT_MS);
    await waitFor(() => committedEverything(group, topics.windows), 'the group to commit', FLOW_TIMEOUT_MS);

    const deduped = new Map<string, number[]>();
    for (const embedding of embeddings.map(embeddingOf)) {
      const seen = deduped.get(embedding.streamId) ?? [];
      if (!seen.includes(embedding.windowSeq)) seen.push(embedding.windowSeq);
      deduped.set(embedding.streamId, seen);
    }
    for (const stream of streams) expect(deduped.get(stream)?.sort((x, y) => x - y)).toEqual(seqs);
    const duplicates = embeddings.length - total;
    console.log(
      `encoder SIGKILL after ${producedBeforeKill} of ${total} embeddings: ${embeddings.length} embeddings in all, ` +
        `${duplicates} raw duplicate(s), 0 windows lost`,
    );
    expect(a.running).toBe(false);
    await Promise.all([b.stop(), restarted.stop()]);
  });

  it('sends poison (garbage bytes, a window with NaN PCM) to the dead-letter topic and the stream goes on', async () => {
    const topics = await createTopics(admin, PARTITIONS);
    const encoder = await startEncoder(topics, newGroup(), 'encoder-p');
    const embeddings = await readAll(topics.embeddings);
    const dead = await readAll(`${topics.windows}.dlq`);

    const stream = 'poisoned';
    const partition = 2;
    const nan = sineWindow(stream, 2, 440);
    nan.pcm[100] = NaN;
    const garbage = Buffer.from('this is not an AudioWindow');
    await produce(
      topics.windows,
      [0, 1].map((seq) => ({ window: sineWindow(stream, seq, 440), partition })),
    );
    await producer.send({ topic: topics.windows, acks: -1, messages: [{ key: stream, partition, value: garbage }] });
    await produce(topics.windows, [
      { window: nan, partition },
      ...[3, 4].map((seq) => ({ window: sineWindow(stream, seq, 440), partition })),
    ]);

    await waitFor(
      () => dead.length >= 2 && embeddings.some((m) => embeddingOf(m).windowSeq === 4),
      'the dead letters and the last embedding',
      FLOW_TIMEOUT_MS,
    );
    expect(embeddings.map((m) => embeddingOf(m).windowSeq)).toEqual([0, 1, 3, 4]);
    expect(dead).toHaveLength(2);
    const [undecodable, nonFinite] = dead;
    expect(undecodable.value).toEqual(garbage);
    expect(undecodable.key).toBe(stream);
    expect(undecodable.headers).toMatchObject({
      'error-type': 'MessageDecodeError',
      'source-topic': topics.windows,
      'source-partition': String(partition),
      'source-offset': '2',
      'failed-stage': 'encoder',
    });
    expect(undecodable.headers['error-message']).toMatch(/not a valid audio_concepts\.v1\.AudioWindow/);
    expect(AudioWindow.decode(nonFinite.value).windowSeq).toBe(2);
    expect(nonFinite.headers).toMatchObject({
      'error-type': 'NonFiniteValueError',
      'source-offset': '3',
      'failed-stage': 'encoder',
    });
    expect(nonFinite.headers['error-message']).toMatch(/NaN at sample 100/);
    expect(await counter(encoder, 'dead_lettered')).toBe(2);
    await encoder.stop();
  });
});
