import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headIdOf, loadConceptSpace } from '@audio-concepts/decomposer-concepts';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { encodeMessage, MESSAGE_TYPES } from '@audio-concepts/platform-kafka';
import { ConceptFrame, HeadControl, HeadVersion, audioEmbeddingWith } from '@audio-concepts/shared-contracts';
import { asFloat32Matrix, readNpySync, writeNpy } from '@audio-concepts/shared-npy';
import { DEMO_MODEL, demoConceptSpaceDir } from './demo-space';
import { collect, createHeadsTopic, createTestKafka, createTopics, startService, type PipelineTopics } from './harness';

/**
 * Issue 11 on the real stack: two streams are decomposed while the trainer service trains heads over HTTP and
 * activates them for one stream group, mid-stream, through control.heads.v1. Frames before a switch carry no head
 * id, frames after it the new one; a corrupt head is refused (log line, metric) and tagging goes on; a rollback and
 * a deactivation switch back; every window of both streams comes out once.
 */
const TOKEN = randomBytes(32).toString('base64url');
const STREET = 'street-1';
const HOME = 'home-1';
const WINDOW_MS = 10_000;

describe('projection heads over Kafka: trained by the trainer service, swapped live in the decomposer', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let topics: PipelineTopics;
  let headsTopic: string;
  let work: string;
  let decomposer: LaunchedService & { baseUrl: string };
  let trainer: LaunchedService & { baseUrl: string };
  let frames: Awaited<ReturnType<typeof collect<ConceptFrame>>>;
  let spaceId: string;
  let vectors: Float32Array[];
  let modelId: string;
  const sent = new Map<string, number>([
    [STREET, 0],
    [HOME, 0],
  ]);
  let feeding: Promise<void> | undefined;
  let stopFeeding = false;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${trainer.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  /** Trains a head through the trainer's HTTP API and waits for it; returns its head id. */
  const trainHead = async (seed: number): Promise<string> => {
    const submitted = await api('POST', '/v1/heads', {
      concept_space_id: spaceId,
      audio: 'A.npy',
      labels: 'y.npy',
      prompts: 'P.npy',
      model_id: modelId,
      options: { epochs: 5, init: 'identity', seed },
    });
    expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
    const id = submitted.json.id as string;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = await api('GET', `/v1/heads/${id}`);
      if (job.json.status === 'done') return job.json.head_id as string;
      expect(job.json.status, JSON.stringify(job.json)).not.toBe('failed');
      if (Date.now() > deadline) throw new Error(`job ${id} did not finish: ${JSON.stringify(job.json)}`);
      await sleep(100);
    }
  };

  /** Frames of a stream in window order (read so far). */
  const streamFrames = (stream: string) =>
    frames.messages.filter((f) => f.streamId === stream).sort((a, b) => a.windowSeq - b.windowSeq);

  /** Waits until a frame of `stream` later than any seen now carries `headId`. */
  const waitForHead = async (stream: string, headId: string) => {
    const after = Math.max(-1, ...streamFrames(stream).map((f) => f.windowSeq));
    const deadline = Date.now() + 30_000;
    while (!streamFrames(stream).some((f) => f.windowSeq > after && f.headId === headId)) {
      if (Date.now() > deadline) throw new Error(`no frame of ${stream} with head "${headId}" after window ${after}`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ac-heads-'));
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topics = await createTopics(admin, 2);
    headsTopic = await createHeadsTopic();

    // the training data: the demo model's calibration clips, each labelled with its nearest concept's text
    const space = await loadConceptSpace(await demoConceptSpaceDir());
    spaceId = space.id;
    modelId = space.metadata.modelId;
    const calibration = asFloat32Matrix(readNpySync(join(DEMO_MODEL, 'calibration', 'audio_embeddings.npy')), 'A');
    const { c, d } = space;
    vectors = Array.from({ length: calibration.rows }, (_, i) => calibration.data.subarray(i * d, (i + 1) * d));
    const labels = Int32Array.from(vectors, (v) => {
      let best = 0;
      let bestDot = -Infinity;
      for (let k = 0; k < c; k++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += v[t] * space.textEmbeddingsCxD[k * d + t];
        if (dot > bestDot) [best, bestDot] = [k, dot];
      }
      return best;
    });
    const data = join(work, 'data');
    mkdirSync(data);
    await writeNpy(join(data, 'A.npy'), { dtype: 'float32', shape: [calibration.rows, d], data: calibration.data });
    await writeNpy(join(data, 'y.npy'), { dtype: 'int32', shape: [labels.length], data: labels });
    await writeNpy(join(data, 'P.npy'), { dtype: 'float32', shape: [c, d], data: space.textEmbeddingsCxD });
    await space.close();

    [decomposer, trainer] = await Promise.all([
      startService('decomposer', {
        DECOMPOSER_MAX_BATCH: '4',
        DECOMPOSER_INPUT_TOPIC: topics.embeddings,
        DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
        DECOMPOSER_GROUP: `decomposer-${topics.windows.split('.')[1]}`,
        HEADS_TOPIC: headsTopic,
        STREAM_GROUPS: 'street-*=street',
      }),
      startService('trainer', {
        TRAINER_TOKEN: TOKEN,
        TRAINER_DATA_DIR: data,
        TRAINER_HEADS_DIR: join(work, 'heads'),
        HEADS_TOPIC: headsTopic,
        TRAINER_THREADS: '1',
      }),
    ]);
    frames = await collect(kafka, topics.concepts, ConceptFrame, 'audio_concepts.v1.ConceptFrame');
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // both streams, a window every 40 ms each, until the test says stop
    feeding = (async () => {
      while (!stopFeeding) {
        await producer.send({
          topic: topics.embeddings,
          messages: [STREET, HOME].map((stream) => {
            const seq = sent.get(stream)!;
            sent.set(stream, seq + 1);
            const embedding = audioEmbeddingWith(
              {
                streamId: stream,
                windowSeq: seq,
                startMs: seq * WINDOW_MS,
                durationMs: WINDOW_MS,
                modelId,
                ingestedAtMs: Date.now(),
              },
              vectors[seq % vectors.length],
            );
            return { key: stream, value: encodeMessage(MESSAGE_TYPES['audio_concepts.v1.AudioEmbedding'], embedding) };
          }),
        });
        await sleep(40);
      }
    })();
  }, 240_000);

  afterAll(async () => {
    stopFeeding = true;
    await feeding?.catch(() => undefined);
    await producer?.disconnect();
    await frames?.stop();
    await Promise.all([decomposer?.stop(), trainer?.stop()]);
    await admin?.disconnect();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('switches heads mid-stream for one group, refuses a corrupt head, rolls back; no window lost or doubled', async () => {
    await waitForHead(STREET, '');
    await waitForHead(HOME, '');

    // the trainer refuses what it cannot train, and wants its token
    const bad = await api('POST', '/v1/heads', {
      concept_space_id: spaceId,
      audio: '../A.npy',
      labels: 'y.npy',
      prompts: 'P.npy',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain("is not inside the trainer's data folder");
    const anonymous = await fetch(`${trainer.baseUrl}/v1/heads/none`);
    expect(anonymous.status).toBe(401);
    expect((await api('GET', '/v1/heads/0123456789abcdef')).status).toBe(404);

    const first = await trainHead(1);
    const stored = await api('GET', `/v1/heads/${first}`);
    expect(stored.json).toMatchObject({ status: 'done', head_id: first, concept_space_id: spaceId });
    const activated = await api('POST', `/v1/heads/${first}/activate`, { stream_group: 'street' });
    expect(activated.json).toEqual({ head_id: first, concept_space_id: spaceId, stream_group: 'street' });
    await waitForHead(STREET, first);

    // a corrupt head (its matrix no longer hashes to its id) and its activation: refused, tagging goes on
    const version = HeadVersion.fromPartial({ headId: 'baadf00dbaadf00d', conceptSpaceId: spaceId, dimension: 512 });
    version.matrix = Array.from({ length: 512 * 512 }, (_, i) => (i % 513 === 0 ? 1 : 0));
    // and a sound head of another concept space: another decomposer's, skipped without a refusal
    const identity = Float64Array.from(version.matrix);
    const foreign = HeadVersion.fromPartial({
      headId: headIdOf(identity, 512),
      conceptSpaceId: 'ffffffffffffffff',
      dimension: 512,
      matrix: version.matrix,
    });
    await producer.send({
      topic: headsTopic,
      messages: [
        {
          key: `head/${foreign.headId}`,
          value: encodeMessage(
            MESSAGE_TYPES['audio_concepts.v1.HeadControl'],
            HeadControl.fromPartial({ head: foreign }),
          ),
        },
        {
          key: 'head/baadf00dbaadf00d',
          value: encodeMessage(
            MESSAGE_TYPES['audio_concepts.v1.HeadControl'],
            HeadControl.fromPartial({ head: version }),
          ),
        },
        {
          key: `live/${spaceId}/street`,
          value: encodeMessage(
            MESSAGE_TYPES['audio_concepts.v1.HeadControl'],
            HeadControl.fromPartial({
              activation: { conceptSpaceId: spaceId, streamGroup: 'street', headId: 'baadf00dbaadf00d' },
            }),
          ),
        },
      ],
    });
    let text = '';
    await waitFor(
      async () => {
        text = await (await fetch(`${decomposer.baseUrl}/metrics`)).text();
        return (
          /audio_concepts_decomposer_heads_refused_total\{record="head"[^}]*\} 1\b/.test(text) &&
          /audio_concepts_decomposer_heads_refused_total\{record="activation"[^}]*\} 1\b/.test(text)
        );
      },
      () =>
        `the decomposer counts the corrupt head and its activation as refused; /metrics has: ${text
          .split('\n')
          .filter((l) => l.includes('heads'))
          .join(' | ')}`,
    );
    await waitForHead(STREET, first); // still the first head

    const second = await trainHead(2);
    expect(second).not.toBe(first);
    await api('POST', `/v1/heads/${second}/activate`, { stream_group: 'street' });
    await waitForHead(STREET, second);
    await api('POST', `/v1/heads/${first}/activate`, { stream_group: 'street' }); // rollback
    await waitForHead(STREET, first);
    await api('POST', '/v1/heads/none/activate', { stream_group: 'street', concept_space_id: spaceId });
    await waitForHead(STREET, '');

    stopFeeding = true;
    await feeding;
    await waitFor(
      async () => [STREET, HOME].every((s) => streamFrames(s).length >= sent.get(s)!),
      'every window decomposed',
    );

    for (const stream of [STREET, HOME]) {
      const seqs = streamFrames(stream).map((f) => f.windowSeq);
      expect(seqs).toEqual(Array.from({ length: sent.get(stream)! }, (_, i) => i)); // complete and unique
    }
    expect(new Set(streamFrames(HOME).map((f) => f.headId))).toEqual(new Set(['']));
    // the street stream's heads in window order: runs of '', first, second, first, '' — each switch once
    const runs = streamFrames(STREET)
      .map((f) => f.headId)
      .filter((id, i, all) => i === 0 || id !== all[i - 1]);
    expect(runs).toEqual(['', first, second, first, '']);
    const metrics = await (await fetch(`${decomposer.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^audio_concepts_decomposer_heads\{[^}]*\} 2$/m);
    expect(metrics).not.toMatch(/^audio_concepts_decomposer_live_head_info/m);
  }, 240_000);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(
  check: () => Promise<boolean>,
  what: string | (() => string),
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${typeof what === 'string' ? what : what()}`);
    await sleep(100);
  }
}
