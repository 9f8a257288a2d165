import type { StageRule } from '@audio-concepts/platform-stage';
import { randomBytes } from 'node:crypto';
import {
  AudioEmbedding,
  AudioWindow,
  audioEmbeddingWith,
  audioWindowWith,
  pcmOf,
  vectorOf,
} from '@audio-concepts/shared-contracts';
import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import {
  ConfigResourceTypes,
  Partitioners,
  type Admin,
  type Consumer,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchStage, type BatchStageOptions } from './batch-stage';
import { DEAD_LETTER_HEADERS } from './dead-letter';
import { createKafka, DEFAULT_BROKERS, MAX_MESSAGE_BYTES } from './kafka.settings';
import { encodeMessage } from './message.codec';
import { transactionalIdOf } from './stage.producer';
import { waitFor as pollUntil } from './testing';

// Real broker (deploy/local/kafka.sh start); every test has its own topics and group.
const WAIT_MS = 30_000;
const WINDOW = 'audio_concepts.v1.AudioWindow';
const EMBEDDING = 'audio_concepts.v1.AudioEmbedding';

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'batch-stage-spec' });
  admin = kafka.admin();
  producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([admin.connect(), producer.connect()]);
});

afterAll(async () => {
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
  await Promise.allSettled([admin?.disconnect(), producer?.disconnect()]);
}, 30_000);

interface Topics {
  input: string;
  output: string;
  dlq: string;
  group: string;
}

async function createTopics(partitions: number): Promise<Topics> {
  const base = `test.${randomBytes(4).toString('hex')}`;
  const topics = { input: `${base}.in`, output: `${base}.out`, dlq: `${base}.in.dlq`, group: `${base}.stage` };
  await admin.createTopics({
    waitForLeaders: true,
    topics: [topics.input, topics.output, topics.dlq].map((topic) => ({ topic, numPartitions: partitions })),
  });
  return topics;
}

function window(streamId: string, windowSeq: number): AudioWindow {
  const fields = { streamId, windowSeq, startMs: windowSeq * 1000, durationMs: 1000, sampleRate: 8, ingestedAtMs: 1 };
  return audioWindowWith(fields, new Float32Array([windowSeq, 0.5]));
}

async function produceWindows(topic: string, windows: AudioWindow[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: windows.map((w) => ({
      key: w.streamId,
      value: encodeMessage(AudioWindow, w),
      headers: { 'message-type': WINDOW },
    })),
  });
}

/** A stage over `topics` whose process() embeds a window as [seq] (plus whatever the test overrides). */
function stage(
  topics: Topics,
  {
    process,
    ...overrides
  }: Partial<BatchStageOptions<AudioWindow, AudioEmbedding>> & {
    process?: StageRule<AudioWindow, AudioEmbedding>['process'];
  } = {},
) {
  const logs: string[] = [];
  const s = new BatchStage<AudioWindow, AudioEmbedding>({
    kafka,
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    input: AudioWindow,
    inputTypeName: WINDOW,
    output: AudioEmbedding,
    outputTypeName: EMBEDDING,
    maxBatch: 4,
    maxWaitMs: 20,
    retryInitialMs: 50,
    rule: {
      name: 'teststage',
      process: process ?? (async (inputs) => inputs.map(embed)),
      keyOf: (w) => w.streamId,
      seqOf: (w) => w.windowSeq,
    },
    logger: { log: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    ...overrides,
  });
  cleanups.push(() => s.stop());
  return { stage: s, logs };
}

function embed(w: AudioWindow): AudioEmbedding {
  const { streamId, windowSeq, startMs, durationMs, ingestedAtMs } = w;
  const fields = { streamId, windowSeq, startMs, durationMs, modelId: 'test', ingestedAtMs };
  return audioEmbeddingWith(fields, new Float32Array([windowSeq]));
}

/** Every message of `topic` from the beginning (committed only, unless asked), collected as it arrives. */
async function collect(topic: string, options: { readUncommitted?: boolean } = {}): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: `${topic}.reader.${randomBytes(3).toString('hex')}`,
    maxWaitTimeInMs: 100,
    readUncommitted: options.readUncommitted ?? false,
  });
  cleanups.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return messages;
}

const embeddingsOf = (messages: KafkaMessage[]) => messages.map((m) => AudioEmbedding.decode(m.value as Buffer));
const keysOf = (messages: KafkaMessage[]) => embeddingsOf(messages).map((e) => `${e.streamId}/${e.windowSeq}`);
const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
const waitFor = (condition: () => boolean | Promise<boolean>, what: string) => pollUntil(condition, what, WAIT_MS, 50);

/** The group's committed offset of each partition of `topic` (-1: nothing committed). */
async function committed(topics: Topics): Promise<number[]> {
  const [result] = await admin.fetchOffsets({ groupId: topics.group, topics: [topics.input] });
  return result.partitions.sort((a, b) => a.partition - b.partition).map((p) => Math.max(0, Number(p.offset)));
}

async function endOffsets(topic: string): Promise<number[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
}

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('BatchStage (real Kafka)', () => {
  it('produces one output per input in stream order, keyed by stream, and commits only after the outputs are acknowledged', async () => {
    const topics = await createTopics(2);
    const gate = deferred();
    let calls = 0;
    const { stage: s } = stage(topics, {
      process: async (inputs) => {
        calls++;
        await gate.promise;
        return inputs.map(embed);
      },
    });
    const windows = ['a', 'b', 'c'].flatMap((id) => Array.from({ length: 6 }, (_, seq) => window(id, seq)));
    await produceWindows(topics.input, windows);
    const outputs = await collect(topics.output);
    expect(s.readiness()).not.toBe(true);
    await s.start();
    await waitFor(() => s.readiness() === true, 'the stage to join its group');

    await waitFor(() => calls > 0, 'the first process() call');
    expect(await committed(topics)).toEqual([0, 0]); // processing, nothing produced: nothing committed
    expect(outputs).toHaveLength(0);
    gate.release();

    await waitFor(() => outputs.length >= windows.length, 'all outputs');
    const byStream = new Map<string, number[]>();
    for (const [i, e] of embeddingsOf(outputs).entries()) {
      expect(outputs[i].key?.toString()).toBe(e.streamId);
      expect(header(outputs[i], 'message-type')).toBe(EMBEDDING);
      expect(header(outputs[i], 'content-type')).toBe('application/x-protobuf');
      expect([...vectorOf(e)]).toEqual([e.windowSeq]);
      byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.windowSeq]);
    }
    for (const id of ['a', 'b', 'c']) expect(byStream.get(id)).toEqual([0, 1, 2, 3, 4, 5]);
    const end = await endOffsets(topics.input);
    await waitFor(async () => JSON.stringify(await committed(topics)) === JSON.stringify(end), 'the commit');
  });

  it('redoes a batch whose process() fails retriably, losing nothing and committing nothing meanwhile', async () => {
    const topics = await createTopics(1);
    let failures = 0;
    const seen: number[][] = [];
    const { stage: s, logs } = stage(topics, {
      process: async (inputs) => {
        seen.push(inputs.map((w) => w.windowSeq));
        if (failures < 2) {
          failures++;
          expect(await committed(topics)).toEqual([0]);
          throw new AudioConceptsError('model busy', { retriable: true });
        }
        return inputs.map(embed);
      },
    });
    await produceWindows(
      topics.input,
      Array.from({ length: 10 }, (_, seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    await s.start();
    await waitFor(() => outputs.length >= 10, 'all outputs');
    expect(keysOf(outputs)).toEqual(Array.from({ length: 10 }, (_, seq) => `s/${seq}`));
    expect(seen[1]).toEqual(seen[0]); // the same batch, redone
    expect(seen[2]).toEqual(seen[0]);
    expect(logs.filter((l) => l.includes('model busy') && l.includes('fetching it again'))).toHaveLength(2);
    await waitFor(async () => (await committed(topics))[0] === 10, 'the commit');
  });

  it('gives process() micro-batches of at most maxBatch, filled from what was fetched', async () => {
    const topics = await createTopics(1);
    const sizes: number[] = [];
    const { stage: s } = stage(topics, {
      maxBatch: 3,
      maxWaitMs: 200,
      process: async (inputs) => {
        sizes.push(inputs.length);
        return inputs.map(embed);
      },
    });
    await produceWindows(
      topics.input,
      Array.from({ length: 10 }, (_, seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    await s.start();
    await waitFor(() => outputs.length >= 10, 'all outputs');
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes.filter((n) => n === 3).length).toBeGreaterThanOrEqual(3);
  });

  it('dead-letters garbage, per-item errors and oversized outputs with the error headers, and later messages still flow', async () => {
    const topics = await createTopics(1);
    const registry = new Registry();
    const { stage: s, logs } = stage(topics, {
      registry,
      process: async (inputs) =>
        inputs.map((w) => {
          if (w.windowSeq === 1) return new InvalidInputError('window 1 is bad');
          // > MAX_MESSAGE_BYTES once encoded: must not crash the stage or reach the broker
          if (w.windowSeq === 2)
            return audioEmbeddingWith(embed(w), new Float32Array(MAX_MESSAGE_BYTES / 4 + 16).fill(0.5));
          return embed(w);
        }),
    });
    const garbage = Buffer.from('definitely not a protobuf AudioWindow');
    await produceWindows(topics.input, [window('s', 0)]);
    await producer.send({
      topic: topics.input,
      acks: -1,
      messages: [{ key: 's', value: garbage, headers: { trace: 'x' } }],
    });
    await produceWindows(
      topics.input,
      [1, 2, 3, 4].map((seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    const dead = await collect(topics.dlq);
    await s.start();

    await waitFor(() => outputs.length >= 3 && dead.length >= 3, 'outputs and dead letters');
    expect(keysOf(outputs)).toEqual(['s/0', 's/3', 's/4']);
    const [decodeFailure, itemFailure, tooLarge] = dead;
    expect(decodeFailure.value).toEqual(garbage);
    expect(decodeFailure.key?.toString()).toBe('s');
    expect(header(decodeFailure, 'trace')).toBe('x');
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.errorType)).toBe('MessageDecodeError');
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.errorMessage)).toMatch(
      /not a valid audio_concepts\.v1\.AudioWindow/,
    );
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.sourceTopic)).toBe(topics.input);
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.sourcePartition)).toBe('0');
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.sourceOffset)).toBe('1');
    expect(header(decodeFailure, DEAD_LETTER_HEADERS.failedStage)).toBe('teststage');
    const deadWindow = AudioWindow.decode(itemFailure.value as Buffer);
    expect({ ...deadWindow, pcmF32le: [...pcmOf(deadWindow)] }).toEqual({ ...window('s', 1), pcmF32le: [1, 0.5] });
    expect(header(itemFailure, DEAD_LETTER_HEADERS.errorType)).toBe('InvalidInputError');
    expect(header(itemFailure, DEAD_LETTER_HEADERS.errorMessage)).toBe('window 1 is bad');
    expect(header(itemFailure, DEAD_LETTER_HEADERS.sourceOffset)).toBe('2');
    expect(header(tooLarge, DEAD_LETTER_HEADERS.errorType)).toBe('MessageTooLargeError');
    expect(header(tooLarge, DEAD_LETTER_HEADERS.sourceOffset)).toBe('3');
    expect(logs.filter((l) => l.includes('dead-lettered'))).toHaveLength(3);
    expect(logs.find((l) => l.includes('@1 '))).toMatch(
      /dead-lettered .*\[0\]@1 \(key "s"\) to .*\.dlq: MessageDecodeError/,
    );

    const metrics = await registry.getSingleMetricAsString('audio_concepts_teststage_messages_total');
    expect(metrics).toContain('outcome="ok"} 3');
    expect(metrics).toContain('outcome="dead_lettered"} 3');
    await waitFor(async () => (await committed(topics))[0] === 6, 'the commit past the poison');
  });

  it('dead-letters every message of a batch whose process() fails for good, and goes on', async () => {
    const topics = await createTopics(1);
    const { stage: s } = stage(topics, {
      maxBatch: 2,
      process: async (inputs) => {
        if (inputs.some((w) => w.windowSeq === 3)) throw new TypeError('cannot read properties of undefined');
        return inputs.map(embed);
      },
    });
    await produceWindows(
      topics.input,
      Array.from({ length: 8 }, (_, seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    const dead = await collect(topics.dlq);
    await s.start();
    await waitFor(() => outputs.length + dead.length >= 8, 'every window out or dead-lettered');
    const deadSeqs = dead.map((m) => AudioWindow.decode(m.value as Buffer).windowSeq);
    const outSeqs = embeddingsOf(outputs).map((e) => e.windowSeq);
    expect(deadSeqs).toContain(3);
    expect(deadSeqs.length).toBeLessThanOrEqual(2);
    expect([...outSeqs, ...deadSeqs].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(outSeqs).toContain(7);
    for (const m of dead) expect(header(m, DEAD_LETTER_HEADERS.errorType)).toBe('TypeError');
  });

  it('produces one output for a (stream, seq) delivered twice, and dead-letters the repeats instead of dropping them', async () => {
    const topics = await createTopics(1);
    const registry = new Registry();
    const { stage: s } = stage(topics, { registry, maxBatch: 3 });
    await produceWindows(
      topics.input,
      [0, 1, 2, 1, 2, 3, 3, 4].map((seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    const dead = await collect(topics.dlq);
    await s.start();
    await waitFor(async () => (await committed(topics))[0] === 8, 'the commit');
    await waitFor(() => outputs.length >= 5 && dead.length >= 3, 'the outputs and the repeats');
    expect(keysOf(outputs)).toEqual(['s/0', 's/1', 's/2', 's/3', 's/4']);
    // A renumbered stream looks the same as a duplicate here: its windows are kept in the dead-letter topic.
    expect(dead.map((m) => header(m, DEAD_LETTER_HEADERS.sourceOffset))).toEqual(['3', '4', '6']);
    expect(dead.map((m) => header(m, DEAD_LETTER_HEADERS.errorType))).toEqual(Array(3).fill('DuplicateWindowError'));
    expect(header(dead[0], DEAD_LETTER_HEADERS.errorMessage)).toMatch(/window seq 1 .* repeats a seq .*up to 2/);
    const metrics = await registry.getSingleMetricAsString('audio_concepts_teststage_messages_total');
    expect(metrics).toContain('outcome="duplicate"} 3');
    expect(metrics).toContain('outcome="dead_lettered"} 0');
  });

  it('stop() finishes the batch in flight and commits, so a restarted stage does not redo it', async () => {
    const topics = await createTopics(1);
    const gate = deferred();
    let blocked = false;
    const first = stage(topics, {
      process: async (inputs) => {
        if (inputs.some((w) => w.windowSeq === 4)) {
          blocked = true;
          await gate.promise;
        }
        return inputs.map(embed);
      },
    });
    await produceWindows(
      topics.input,
      Array.from({ length: 6 }, (_, seq) => window('s', seq)),
    );
    const outputs = await collect(topics.output);
    await first.stage.start();
    await waitFor(() => blocked, 'the batch with seq 4 in flight');
    const stopped = first.stage.stop();
    gate.release();
    await stopped;
    expect(first.stage.readiness()).toBe('stopped');
    await waitFor(() => outputs.length >= 6, 'the outputs of the batch in flight');
    expect(await committed(topics)).toEqual([6]);

    const redone: number[] = [];
    const second = stage(topics, {
      process: async (inputs) => {
        redone.push(...inputs.map((w) => w.windowSeq));
        return inputs.map(embed);
      },
    });
    await second.stage.start();
    await produceWindows(
      topics.input,
      [6, 7].map((seq) => window('s', seq)),
    );
    await waitFor(() => outputs.length >= 8, 'the new outputs');
    expect(redone).toEqual([6, 7]);
    expect(keysOf(outputs)).toEqual(Array.from({ length: 8 }, (_, seq) => `s/${seq}`));
  });

  // Issue 8, defect 2: one message whose dead-letter copy exceeded the broker's limit stalled the stage forever.
  it('cuts a dead-letter copy that would not fit the dead-letter topic, and goes on', async () => {
    const topics = await createTopics(1);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topics.dlq,
          configEntries: [{ name: 'max.message.bytes', value: '10000' }],
        },
      ],
    });
    const { stage: s, logs } = stage(topics);
    const huge = randomBytes(8_388_400); // the probe's: fits the input topic, its copy with headers does not
    await producer.send({
      topic: topics.input,
      acks: -1,
      messages: [{ key: 'k', value: huge, headers: { trace: 'x' } }],
    });
    await produceWindows(topics.input, [window('s', 0)]);
    const outputs = await collect(topics.output);
    const dead = await collect(topics.dlq);
    await s.start();
    await waitFor(
      () => outputs.length >= 1 && dead.length >= 1,
      'the later window out and the copy in the dead-letter topic',
    );
    const [copy] = dead;
    expect(header(copy, DEAD_LETTER_HEADERS.truncated)).toBe('value');
    expect(header(copy, DEAD_LETTER_HEADERS.originalValueBytes)).toBe('8388400');
    expect(header(copy, DEAD_LETTER_HEADERS.errorType)).toBe('MessageDecodeError');
    expect(header(copy, 'trace')).toBe('x');
    expect(copy.value?.length).toBeGreaterThan(5_000);
    expect(huge.subarray(0, copy.value?.length).equals(copy.value as Buffer)).toBe(true);
    expect(keysOf(outputs)).toEqual(['s/0']);
    expect(logs.join('\n')).not.toMatch(/fetching it again/);
  });

  it('dead-letters a window whose stream id is megabytes long with a short error, and goes on', async () => {
    const topics = await createTopics(1);
    const { stage: s } = stage(topics);
    const longId = 'x'.repeat(4_500_000);
    await producer.send({
      topic: topics.input,
      acks: -1,
      messages: [
        { key: 'k', value: encodeMessage(AudioWindow, window(longId, 0)), headers: { 'message-type': WINDOW } },
      ],
    });
    await produceWindows(topics.input, [window('s', 0)]);
    const outputs = await collect(topics.output);
    const dead = await collect(topics.dlq);
    await s.start();
    await waitFor(() => outputs.length >= 1 && dead.length >= 1, 'the later window out and the long one dead-lettered');
    const message = header(dead[0], DEAD_LETTER_HEADERS.errorMessage) as string;
    expect(message).toMatch(/stream id of 4500000 characters .*at most 128/);
    expect(message.length).toBeLessThan(300);
  });

  // Issue 8, defect 6: the lag gauge read 0 while a stage was stuck (it was only set after a batch).
  it('reports the lag from the broker while a batch is stuck, and readiness says nothing is wrong with Kafka', async () => {
    const topics = await createTopics(2);
    const registry = new Registry();
    const gate = deferred();
    const { stage: s } = stage(topics, {
      registry,
      probeIntervalMs: 200,
      process: async (inputs) => {
        await gate.promise;
        return inputs.map(embed);
      },
    });
    await produceWindows(topics.input, [
      ...Array.from({ length: 6 }, (_, seq) => window('a', seq)),
      ...Array.from({ length: 4 }, (_, seq) => window('b', seq)),
    ]);
    await s.start();
    const lagOf = async () => {
      const text = await registry.getSingleMetricAsString('audio_concepts_teststage_consumer_lag_messages');
      return [...text.matchAll(/partition="(\d)"} (\d+)/g)].map((m) => Number(m[2])).reduce((a, b) => a + b, 0);
    };
    await waitFor(async () => (await lagOf()) === 10, 'a lag of 10 while stuck');
    expect(s.lag?.map((p) => p.lag).reduce((a, b) => a + b, 0)).toBe(10);
    expect(s.readiness()).toBe(true);
    expect(await registry.getSingleMetricAsString('audio_concepts_teststage_kafka_up')).toMatch(/kafka_up 1/);
    gate.release();
    // Exactly-once: each partition's committed offset stops at its last transaction's commit marker, not past it.
    await waitFor(
      async () => (await lagOf()) === 0 || (await committed(topics)).reduce((a, b) => a + b, 0) === 10,
      'the backlog done',
    );
    await waitFor(async () => (await lagOf()) <= 2, 'the lag back down');
  });

  it('a transaction a crashed instance left open is aborted when the instance restarts: its outputs are never read', async () => {
    const topics = await createTopics(1);
    // The crashed instance: a transaction with the outputs of seqs 0–1 sent but never committed (the process died).
    const crashed = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: transactionalIdOf(topics.group, 'inst-1'),
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await crashed.connect();
    const open = await crashed.transaction();
    await open.send({
      topic: topics.output,
      messages: [0, 1].map((seq) => ({ key: 's', value: encodeMessage(AudioEmbedding, embed(window('s', seq))) })),
    });
    await produceWindows(
      topics.input,
      [0, 1, 2].map((seq) => window('s', seq)),
    );
    const committedReader = await collect(topics.output);
    const { stage: s } = stage(topics, { instanceId: 'inst-1' });
    await s.start(); // the same transactional id: fences the crashed producer and aborts its transaction
    await waitFor(() => committedReader.length >= 3, 'the three outputs');
    await new Promise((r) => setTimeout(r, 500));
    expect(keysOf(committedReader)).toEqual(['s/0', 's/1', 's/2']);
    const everything = await collect(topics.output, { readUncommitted: true });
    await waitFor(() => everything.length >= 5, 'the aborted records too, read uncommitted');
    expect(keysOf(everything).sort()).toEqual(['s/0', 's/0', 's/1', 's/1', 's/2']);
    await expect(open.commit()).rejects.toThrow(/epoch|fenced/i);
    await crashed.disconnect();
  });
});
