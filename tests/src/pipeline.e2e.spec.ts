import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import { makeAudio } from '@audio-concepts/ingest-audio/testing';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { collect, createTestKafka, createTopics, REPO_ROOT, startService, type PipelineTopics } from './harness';
import { waitFor } from '@audio-concepts/platform-kafka/testing';

/**
 * The whole distributed pipeline on the real broker: ingest → audio.windows → encoder → audio.embeddings →
 * decomposer → audio.concepts, each a separate process, checked against the embedded `tag` on the same files.
 */

const TOKEN = 'e2e-token';
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

/** What the embedded default prints for `file` (`tag --json`), the reference the services must match. */
function embeddedTag(file: string): TagLine[] {
  const r = spawnSync(process.execPath, [CLI, 'tag', file, '--json', '--no-progress'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tag ${file} failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TagLine);
}

/** The frames of one stream as a downstream consumer sees them: at-least-once, so deduped by window_seq. */
function framesOf(frames: ConceptFrame[], stream: string): ConceptFrame[] {
  const seen = new Set<number>();
  return frames.filter((f) => f.streamId === stream && !seen.has(f.windowSeq) && seen.add(f.windowSeq));
}

function expectSameAsEmbedded(frames: ConceptFrame[], reference: TagLine[]): void {
  expect(frames.map((f) => f.windowSeq)).toEqual(reference.map((r) => r.window_seq));
  frames.forEach((frame, i) => {
    const want = reference[i];
    expect(frame.startMs / 1000).toBeCloseTo(want.start_s, 3);
    expect((frame.startMs + frame.durationMs) / 1000).toBeCloseTo(want.end_s, 3);
    expect(frame.concepts.slice(0, want.concepts.length).map((c) => c.label)).toEqual(
      want.concepts.map((c) => c.label),
    );
    frame.concepts
      .slice(0, want.concepts.length)
      .forEach((c, k) => expect(c.weight).toBeCloseTo(want.concepts[k].weight, 3));
    expect(frame.cosine).toBeCloseTo(want.cosine, 3);
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

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ac-e2e-'));
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topics = await createTopics(admin, 4);
    const group = topics.windows.split('.')[1];
    const [decomposer, encoder, ingest] = await Promise.all([
      startService('decomposer', {
        DECOMPOSER_INPUT_TOPIC: topics.embeddings,
        DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
        DECOMPOSER_GROUP: `decomposer-${group}`,
      }),
      startService('encoder', {
        ENCODER_INPUT_TOPIC: topics.windows,
        ENCODER_OUTPUT_TOPIC: topics.embeddings,
        ENCODER_GROUP: `encoder-${group}`,
      }),
      startService('ingest', { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topics.windows }),
    ]);
    services.push(decomposer, encoder, ingest);
    ingestUrl = ingest.baseUrl;
    frames = await collect(kafka, topics.concepts, ConceptFrame, 'audio_concepts.v1.ConceptFrame');
  }, 180_000);

  afterAll(async () => {
    await frames?.stop();
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
    expectSameAsEmbedded(got, embeddedTag(file));
    expect(got.every((f) => f.conceptSpaceId.length > 0 && f.lambda > 0 && f.ingestedAtMs > 0)).toBe(true);
  }, 150_000);

  it('two streams posted at the same time stay separate and ordered', async () => {
    const a = join(EXAMPLES, 'hum-and-hiss.wav');
    const b = join(EXAMPLES, 'chirps-and-rumble.wav');
    await Promise.all([post(ingestUrl, 'mix-a', a), post(ingestUrl, 'mix-b', b)]);
    await waitFor(
      () => framesOf(frames.messages, 'mix-a').length >= 2 && framesOf(frames.messages, 'mix-b').length >= 3,
      'the frames of both streams',
      90_000,
    );
    for (const [stream, file] of [
      ['mix-a', a],
      ['mix-b', b],
    ] as const) {
      const raw = frames.messages.filter((f) => f.streamId === stream).map((f) => f.windowSeq);
      expect([...raw].sort((x, y) => x - y)).toEqual(raw);
      expectSameAsEmbedded(framesOf(frames.messages, stream), embeddedTag(file));
    }
  }, 150_000);
});
