import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoredSpace } from '@audio-concepts/decomposer-service';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { windowAudio, windowMessage } from '@audio-concepts/ingest-audio';
import { encodeMessage } from '@audio-concepts/platform-kafka';
import { tagAudio, type FailedWindow } from '@audio-concepts/pipeline-embedded';
import { AudioWindow, ConceptFrame, DEFAULTS } from '@audio-concepts/shared-contracts';
import { makeAudio, soxCommand } from '@audio-concepts/ingest-audio/testing';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import {
  collect,
  collectRaw,
  createTestKafka,
  createTopics,
  REPO_ROOT,
  startService,
  type PipelineTopics,
} from './harness';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { DEMO_MODEL, demoConceptSpaceDir } from './demo-space';

/**
 * The whole distributed pipeline on the real broker: ingest → audio.windows → encoder → audio.embeddings →
 * decomposer → audio.concepts, each a separate process, checked against the embedded `tag` on the same files.
 */

const TOKEN = 'e2e-token-Zk3q9Lr7Vw1Xc5Bn8Md2Hf6Jt4Gs0Pa-Ye_Ui7Oo'; // ingest requires 32+ random bytes' worth
const EXAMPLES = join(REPO_ROOT, 'examples', 'audio');
const CLI = join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js');

interface TagLine {
  window_seq: number;
  start_s: number;
  end_s: number;
  concepts: { label: string; weight: number }[];
  cosine: number;
  l0: number;
}

/** What the embedded default prints for `file` (`tag --json`): the reference the services must match. */
function embeddedTag(file: string, exitCode = 0): { lines: TagLine[]; stderr: string } {
  const argv = [CLI, 'tag', file, '--json', '--no-progress', '--batch', '1'];
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8' });
  if (r.status !== exitCode) throw new Error(`tag ${file} exited ${r.status}, expected ${exitCode}: ${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as TagLine);
  return { lines, stderr: r.stderr };
}

/** The frames of one stream as a downstream consumer sees them: at-least-once, so deduped by window_seq. */
function framesOf(frames: ConceptFrame[], stream: string): ConceptFrame[] {
  const seen = new Set<number>();
  return frames.filter((f) => f.streamId === stream && !seen.has(f.windowSeq) && seen.add(f.windowSeq));
}

/**
 * `tag --json` prints weights and cosine to 6 decimals; the frames carry float32. Both paths run with batches of
 * one window: onnxruntime gives a window's embedding a little differently (up to ~1e-6) in a batch of 8 than alone,
 * so frames of differently composed batches agree only to a few 1e-6 — the code is the same either way.
 */
const WITHIN = 1e-6;

/** The same frames: windows, times, labels in order, weights and cosine to 1e-6, l0. */
function expectSameAsEmbedded(frames: ConceptFrame[], reference: TagLine[]): void {
  expect(frames.map((f) => f.windowSeq)).toEqual(reference.map((r) => r.window_seq));
  frames.forEach((frame, i) => {
    const want = reference[i];
    expect(frame.startMs / 1000).toBe(want.start_s);
    expect((frame.startMs + frame.durationMs) / 1000).toBe(want.end_s);
    expect(frame.concepts.map((c) => c.label)).toEqual(want.concepts.map((c) => c.label));
    frame.concepts.forEach((c, k) => expect(Math.abs(c.weight - want.concepts[k].weight)).toBeLessThanOrEqual(WITHIN));
    expect(Math.abs(frame.cosine - want.cosine)).toBeLessThanOrEqual(WITHIN);
    expect(frame.l0).toBe(want.l0);
  });
}

async function post(baseUrl: string, stream: string, file: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/v1/streams/${stream}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(file),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`POST ${stream}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

describe('the distributed pipeline over Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  let topics: PipelineTopics;
  let work: string;
  const services: LaunchedService[] = [];
  let ingestUrl: string;
  let frames: Awaited<ReturnType<typeof collect<ConceptFrame>>>;
  let deadWindows: Awaited<ReturnType<typeof collectRaw>>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ac-e2e-'));
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topics = await createTopics(admin, 4);
    const group = topics.windows.split('.')[1];
    const [decomposer, encoder, ingest] = await Promise.all([
      startService('decomposer', {
        DECOMPOSER_MAX_BATCH: '1',
        DECOMPOSER_INPUT_TOPIC: topics.embeddings,
        DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
        DECOMPOSER_GROUP: `decomposer-${group}`,
      }),
      startService('encoder', {
        ENCODER_MAX_BATCH: '1',
        ENCODER_INPUT_TOPIC: topics.windows,
        ENCODER_OUTPUT_TOPIC: topics.embeddings,
        ENCODER_GROUP: `encoder-${group}`,
      }),
      startService('ingest', { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topics.windows }),
    ]);
    services.push(decomposer, encoder, ingest);
    ingestUrl = ingest.baseUrl;
    frames = await collect(kafka, topics.concepts, ConceptFrame, 'audio_concepts.v1.ConceptFrame');
    deadWindows = await collectRaw(kafka, `${topics.windows}.dlq`);
  }, 180_000);

  afterAll(async () => {
    await frames?.stop();
    await deadWindows?.stop();
    await Promise.all(services.map((s) => s.stop()));
    await admin?.disconnect();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('a 35 s file posted to ingest gives exactly 4 concept frames, in order, as the embedded tag does', async () => {
    const file = makeAudio({
      file: join(work, 'siren-beeps-tone-35s.wav'),
      argv: [
        'sox',
        join(EXAMPLES, 'siren-then-beeps.wav'),
        join(EXAMPLES, 'tone.wav'),
        join(work, 'siren-beeps-tone-35s.wav'),
        'trim',
        '0',
        '35',
      ],
    });
    const accepted = await post(ingestUrl, 'file-35s', file);
    expect(accepted).toMatchObject({ stream: 'file-35s', windows: 4, first_seq: 0, last_seq: 3 });

    await waitFor(() => framesOf(frames.messages, 'file-35s').length >= 4, '4 concept frames of file-35s', 90_000);
    const got = framesOf(frames.messages, 'file-35s');
    expect(got.map((f) => [f.windowSeq, f.startMs, f.durationMs])).toEqual([
      [0, 0, 10_000],
      [1, 10_000, 10_000],
      [2, 20_000, 10_000],
      [3, 30_000, 5_000],
    ]);
    // Raw arrival order of this stream (before dedupe) never goes backwards: one stream, one partition.
    const raw = frames.messages.filter((f) => f.streamId === 'file-35s').map((f) => f.windowSeq);
    expect([...raw].sort((a, b) => a - b)).toEqual(raw);
    expectSameAsEmbedded(got, embeddedTag(file).lines);
    expect(got.every((f) => f.conceptSpaceId.length > 0 && f.lambda > 0 && f.ingestedAtMs > 0)).toBe(true);
  }, 150_000);

  it('the demo files and sox-made sounds, posted at once: each stream ordered and equal to tag --json', async () => {
    const sounds = {
      'sox-sine': soxCommand(join(work, 'sine.wav'), 'synth', '12', 'sine', '440'),
      'sox-noise': soxCommand(join(work, 'noise.wav'), 'synth', '7', 'whitenoise', 'vol', '0.3'),
      'sox-sweep': soxCommand(join(work, 'sweep.wav'), 'synth', '15', 'sine', '300-3000'),
    };
    const files: Record<string, string> = Object.fromEntries(
      Object.entries(sounds).map(([stream, command]) => [stream, makeAudio(command)]),
    );
    for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith('.wav')))
      files[`demo-${name.replace('.wav', '')}`] = join(EXAMPLES, name);
    const streams = Object.keys(files);
    expect(streams.length).toBeGreaterThanOrEqual(8);
    const accepted = await Promise.all(streams.map((stream) => post(ingestUrl, stream, files[stream])));
    const windows = Object.fromEntries(accepted.map((a) => [a.stream as string, a.windows as number]));
    await waitFor(
      () => streams.every((stream) => framesOf(frames.messages, stream).length >= windows[stream]),
      'the frames of every stream',
      120_000,
    );
    for (const stream of streams) {
      const raw = frames.messages.filter((f) => f.streamId === stream).map((f) => f.windowSeq);
      expect([...raw].sort((x, y) => x - y)).toEqual(raw);
      expectSameAsEmbedded(framesOf(frames.messages, stream), embeddedTag(files[stream]).lines);
    }
  }, 240_000);

  it('a window with NaN samples: the in-memory runner of tag and the services skip it with the same error', async () => {
    // Files are checked when decoded (a NaN sample fails the whole file, in tag and at ingest alike), so the bad
    // window comes as another producer would send it: AudioWindow messages straight onto the windows topic.
    const samples = new Float32Array(25 * 48_000).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 880 * i) / 48_000));
    samples[15 * 48_000 + 7] = NaN; // window 1, its sample 240007
    const audio = {
      uri: 'nan-stream',
      sampleRate: 48_000,
      [Symbol.asyncIterator]: async function* () {
        yield samples;
      },
    };
    const windows: AudioWindow[] = [];
    for await (const w of windowAudio(audio, { sampleRate: 48_000, windowS: 10 }))
      windows.push(windowMessage(w, { streamId: 'nan-stream', sampleRate: 48_000, ingestedAtMs: Date.now() }));
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.windows,
        acks: -1,
        messages: windows.map((w) => ({
          key: w.streamId,
          value: encodeMessage(AudioWindow, w),
          headers: { 'message-type': 'audio_concepts.v1.AudioWindow' },
        })),
      });
    } finally {
      await producer.disconnect();
    }

    const encoder = await ClapEncoder.load(DEMO_MODEL, { device: 'cpu' });
    const stored = await openStoredSpace({ space: await demoConceptSpaceDir(), storeDir: work, threads: 1 });
    const failed: FailedWindow[] = [];
    const inMemory: ConceptFrame[] = [];
    try {
      const options = { lambda: DEFAULTS.lambda, windowS: 10, hopS: 10, batchSize: 1 };
      for await (const frame of tagAudio(audio, encoder, stored.space, options, (f) => failed.push(f), 'nan-stream'))
        inMemory.push(frame);
    } finally {
      await encoder.close();
      await stored.close();
    }
    expect(inMemory.map((f) => f.windowSeq)).toEqual([0, 2]);
    expect(failed.map((f) => [f.stage, f.windowSeq, f.error.message])).toEqual([
      ['encoder', 1, 'window "nan-stream"/1 has NaN at sample 240007; audio samples must be finite'],
    ]);

    await waitFor(() => framesOf(frames.messages, 'nan-stream').length >= 2, 'the frames of nan-stream', 90_000);
    await waitFor(() => deadWindows.messages.some((m) => m.key === 'nan-stream'), 'the dead-lettered window', 30_000);
    const dead = deadWindows.messages.filter((m) => m.key === 'nan-stream');
    expect(dead.map((m) => [m.headers['failed-stage'], m.headers['error-message']])).toEqual([
      ['encoder', failed[0].error.message],
    ]);
    const fromKafka = framesOf(frames.messages, 'nan-stream');
    expect(fromKafka.map((f) => ({ ...f, ingestedAtMs: 0 }))).toEqual(inMemory.map((f) => ({ ...f, ingestedAtMs: 0 })));
  }, 150_000);
});
