import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import { WebSocket } from 'ws';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { AudioWindow, pcmOf } from '@audio-concepts/shared-contracts';
import { createConsumer, decodeMessage } from '@audio-concepts/platform-kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKafka, REPO_ROOT, startService } from './harness';
import { waitFor } from '@audio-concepts/platform-kafka/testing';

/**
 * The ingest service as a process (apps/ingest/dist/main.js) against the real broker: uploads, live
 * WebSocket streams and a pull source become AudioWindow messages on a topic of this test's own.
 */

/** A token of the strength ingest requires: 32 random bytes. */
const TOKEN = randomBytes(32).toString('base64url');
const RUN = randomBytes(3).toString('hex');
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** The limits of the small instance (413 and 429 tests). */
const SMALL_UPLOAD_BYTES = 200_000;
const SMALL_RATE_LIMIT = 2;
/** Seconds to wait for windows to show up on the topic. */
const KAFKA_WAIT_MS = 30_000;

interface Received {
  key: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  window: AudioWindow;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/** The windows `windowAudio` cuts from a file (the embedded `tag`'s windows). */
async function referenceWindows(file: string): Promise<Float32Array[]> {
  const windows: Float32Array[] = [];
  for await (const w of windowAudio(await openAudio(file), { sampleRate: 48_000, windowS: 10 }))
    windows.push(w.samples);
  return windows;
}

/** Index of the first sample where the window's PCM and `expected` differ, -1 when they are the same. */
function firstDifference(window: AudioWindow, expected: Float32Array): number {
  const pcm = pcmOf(window);
  if (pcm.length !== expected.length) return Math.min(pcm.length, expected.length);
  return pcm.findIndex((x, i) => x !== expected[i]);
}

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** `seconds` of a 440 Hz tone as s16le samples at `rate` Hz. */
function toneS16(seconds: number, rate: number): Buffer {
  const bytes = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++) {
    bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 2 * i);
  }
  return bytes;
}

interface LiveResult {
  messages: Record<string, unknown>[];
  closeCode: number;
  closeReason: string;
}

/**
 * Opens a live stream, sends `pcm` in frames, then `end` (or just closes, or waits for the server to close), and
 * collects what comes back.
 */
function liveStream(
  url: string,
  pcm: Buffer,
  frameBytes: number,
  finish: 'end' | 'close' | 'wait',
): Promise<LiveResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: AUTH });
    const messages: Record<string, unknown>[] = [];
    ws.on('open', () => {
      for (let i = 0; i < pcm.length; i += frameBytes) ws.send(pcm.subarray(i, i + frameBytes));
      if (finish === 'end') ws.send('end');
      else if (finish === 'close') ws.close(1000);
    });
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('close', (closeCode, reason) => resolve({ messages, closeCode, closeReason: reason.toString() }));
    ws.on('error', reject);
  });
}

/** The HTTP status of a refused WebSocket handshake. */
function refusedHandshake(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the handshake was accepted')));
    ws.on('error', () => undefined);
  });
}

describe('ingest over Kafka', () => {
  let kafka: Kafka;
  let admin: Admin;
  let consumer: Consumer;
  let work: string;
  let topic: string;
  const received: Received[] = [];
  const services: LaunchedService[] = [];
  let ingest: string;
  let small: string;
  let limited: string;
  let wav35: string;
  let pullFile: string;

  const ofStream = (stream: string) => received.filter((m) => m.key === stream);

  /** Waits until the consumer has read everything on the topic, so that counts are final ("exactly N"). */
  async function caughtUp(): Promise<void> {
    const offsets = await admin.fetchTopicOffsets(topic);
    await waitFor(
      () =>
        offsets.every(({ partition, high }) => {
          const last = received.filter((m) => m.partition === partition).map((m) => Number(m.offset));
          return Number(high) === 0 || Math.max(-1, ...last) + 1 >= Number(high);
        }),
      'the consumer to reach the end of the topic',
      KAFKA_WAIT_MS,
    );
  }

  beforeAll(async () => {
    const build = spawnSync('npx', ['nx', 'run', '@audio-concepts/ingest:build', '--output-style=stream'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`building ingest failed:\n${build.stdout}\n${build.stderr}`);

    work = mkdtempSync(join(tmpdir(), 'ingest-e2e-'));
    wav35 = makeAudio(lavfiCommand(join(work, 'a.wav'), 'sine=frequency=440', 35));
    pullFile = makeAudio(lavfiCommand(join(work, 'pull.wav'), 'sine=frequency=660', 12));
    const sources = join(work, 'sources.json');
    writeFileSync(sources, JSON.stringify([{ stream: `pull-${RUN}`, file: 'pull.wav', restart: false }]));

    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topic = `e2e.${RUN}.audio.windows.v1`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 8 }], waitForLeaders: true });
    consumer = createConsumer(kafka, { groupId: `e2e-ingest-${RUN}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          key: message.key?.toString() ?? '',
          partition,
          offset: message.offset,
          headers: headerText(message.headers),
          window: decodeMessage(AudioWindow, 'audio_concepts.v1.AudioWindow', message.value),
        });
      },
    });

    const common = { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topic };
    const started = await Promise.all([
      startService('ingest', { ...common, INGEST_SOURCES: sources }),
      startService('ingest', { ...common, INGEST_MAX_UPLOAD_BYTES: String(SMALL_UPLOAD_BYTES) }),
      startService('ingest', { ...common, INGEST_RATE_LIMIT: String(SMALL_RATE_LIMIT) }),
    ]);
    services.push(...started);
    [ingest, small, limited] = started.map((s) => s.baseUrl);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await consumer?.disconnect();
    await admin?.deleteTopics({ topics: [topic, `e2e.${RUN}.audio.stream-positions.v1`] }).catch(() => undefined);
    await admin?.disconnect();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('turns a posted 35 s WAV into exactly 4 windows, as windowAudio cuts them, once Kafka has them', async () => {
    const stream = `wav-${RUN}`;
    const before = Date.now();
    const response = await fetch(`${ingest}/v1/streams/${stream}/audio`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'audio/wav' },
      body: readFileSync(wav35),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ stream, windows: 4, first_seq: 0, last_seq: 3, duration_s: 35 });

    await waitFor(() => ofStream(stream).length >= 4, 'the 4 windows', KAFKA_WAIT_MS);
    await caughtUp();
    const messages = ofStream(stream);
    expect(messages).toHaveLength(4);
    expect(messages.map(({ window: w }) => [w.streamId, w.windowSeq, w.startMs, w.durationMs, w.sampleRate])).toEqual([
      [stream, 0, 0, 10_000, 48_000],
      [stream, 1, 10_000, 10_000, 48_000],
      [stream, 2, 20_000, 10_000, 48_000],
      [stream, 3, 30_000, 5_000, 48_000],
    ]);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
    expect(messages[0].headers).toEqual({
      'content-type': 'application/x-protobuf',
      'message-type': 'audio_concepts.v1.AudioWindow',
    });
    const reference = await referenceWindows(wav35);
    messages.forEach(({ window }, i) => expect(firstDifference(window, reference[i])).toBe(-1));
    const stamps = messages.map((m) => m.window.ingestedAtMs);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
  });

  it('decodes compressed uploads (mp3, ogg) through ffmpeg', async () => {
    for (const ext of ['mp3', 'ogg']) {
      const file = makeAudio(lavfiCommand(join(work, `b.${ext}`), 'sine=frequency=550', 12));
      const stream = `${ext}-${RUN}`;
      const response = await fetch(`${ingest}/v1/streams/${stream}/audio`, {
        method: 'POST',
        headers: AUTH,
        body: readFileSync(file),
      });
      const body = (await response.json()) as Record<string, number>;
      expect(response.status).toBe(200);
      expect(body).toMatchObject({ stream, windows: 2, first_seq: 0, last_seq: 1 });
      expect(body.duration_s).toBeCloseTo(12, 1);
      await waitFor(() => ofStream(stream).length >= 2, `the windows of the ${ext} upload`, KAFKA_WAIT_MS);
      expect(ofStream(stream).map((m) => m.window.durationMs)[0]).toBe(10_000);
    }
  });

  it('takes a chunked upload, and a second upload to the stream continues its sequence numbers', async () => {
    const stream = `chunked-${RUN}`;
    const bytes = readFileSync(wav35);
    const post = () =>
      fetch(`${ingest}/v1/streams/${stream}/audio`, {
        method: 'POST',
        headers: AUTH,
        body: pieces(bytes, 64 * 1024) as unknown as RequestInit['body'], // no Content-Length: Transfer-Encoding chunked
        duplex: 'half',
      } as RequestInit);
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ windows: 4, first_seq: 0, last_seq: 3 });
    const second = await post();
    expect(await second.json()).toMatchObject({ windows: 4, first_seq: 4, last_seq: 7 });
    await waitFor(() => ofStream(stream).length >= 8, 'the 8 windows', KAFKA_WAIT_MS);
    expect(ofStream(stream).map((m) => [m.window.windowSeq, m.window.startMs])).toEqual([
      [0, 0],
      [1, 10_000],
      [2, 20_000],
      [3, 30_000],
      [4, 35_000],
      [5, 45_000],
      [6, 55_000],
      [7, 65_000],
    ]);
  });

  it('answers 401 without the right token, 400 for a bad stream id, 422 for garbage, and keeps serving', async () => {
    const url = `${ingest}/v1/streams/auth-${RUN}/audio`;
    const none = await fetch(url, { method: 'POST', body: readFileSync(wav35) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toEqual({ error: 'missing bearer token: send "Authorization: Bearer <token>"' });
    const wrong = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: 'x' });
    expect(wrong.status).toBe(401);

    const badId = await fetch(`${ingest}/v1/streams/a%20b/audio`, { method: 'POST', headers: AUTH, body: 'x' });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: string }).error).toMatch(/^stream id "a b" is not valid/);

    const garbage = await fetch(`${ingest}/v1/streams/garbage-${RUN}/audio`, {
      method: 'POST',
      headers: AUTH,
      body: randomBytes(50_000),
    });
    expect(garbage.status).toBe(422);
    expect(await garbage.json()).toMatchObject({
      error: expect.stringMatching(/^the request body: ffmpeg failed \(exit code 1\): /),
      windows: 0,
    });

    expect((await fetch(`${ingest}/healthz`)).status).toBe(200);
    expect((await fetch(`${ingest}/readyz`)).status).toBe(200);
    const after = await fetch(`${ingest}/v1/streams/garbage-${RUN}/audio`, {
      method: 'POST',
      headers: AUTH,
      body: readFileSync(pullFile),
    });
    expect(await after.json()).toMatchObject({ windows: 2, first_seq: 0 });
    expect(ofStream(`auth-${RUN}`)).toEqual([]);
  });

  it('answers 413 for an upload over the limit, declared or found while streaming', async () => {
    const url = `${small}/v1/streams/big-${RUN}/audio`;
    const declared = await fetch(url, { method: 'POST', headers: AUTH, body: readFileSync(wav35) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: `the upload is larger than the limit of ${SMALL_UPLOAD_BYTES} bytes (got ${readFileSync(wav35).length} bytes or more)`,
    });
    const streamed = await fetch(url, {
      method: 'POST',
      headers: AUTH,
      body: pieces(readFileSync(wav35), 16 * 1024) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: string }).error).toMatch(/larger than the limit of 200000 bytes/);
    expect((await fetch(`${small}/healthz`)).status).toBe(200);
  });

  it('answers 429 with Retry-After once a token exceeds its rate limit', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < SMALL_RATE_LIMIT + 1; i++) {
      const response = await fetch(`${limited}/v1/streams/rate-${RUN}-${i}/audio`, {
        method: 'POST',
        headers: AUTH,
        body: readFileSync(pullFile),
      });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after');
      await response.body?.cancel();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('takes live s16le PCM at 16 kHz over a WebSocket: a full window, then the tail after "end", acknowledged', async () => {
    const stream = `live-${RUN}`;
    const url = `${ingest.replace('http', 'ws')}/v1/streams/${stream}?format=s16le&rate=16000&channels=1`;
    const result = await liveStream(url, toneS16(12, 16_000), 3_200, 'end');
    expect(result.messages).toEqual([
      { window_seq: 0 },
      { window_seq: 1 },
      { stream, windows: 2, first_seq: 0, last_seq: 1, duration_s: 12 },
    ]);
    expect(result.closeCode).toBe(1000);
    await waitFor(() => ofStream(stream).length >= 2, 'the live windows', KAFKA_WAIT_MS);
    expect(ofStream(stream).map((m) => [m.window.windowSeq, m.window.durationMs])).toEqual([
      [0, 10_000],
      [1, 2_000],
    ]);
  });

  it('publishes the tail of a live stream whose client just closes', async () => {
    const stream = `live-closed-${RUN}`;
    const url = `${ingest.replace('http', 'ws')}/v1/streams/${stream}?format=s16le&rate=16000&token=${TOKEN}`;
    await liveStream(url, toneS16(3, 16_000), 3_200, 'close');
    await waitFor(() => ofStream(stream).length >= 1, 'the tail window', KAFKA_WAIT_MS);
    expect(ofStream(stream).map((m) => [m.window.windowSeq, m.window.durationMs])).toEqual([[0, 3_000]]);
  });

  it('refuses live streams without the token (401) and closes with 1008 on bad parameters', async () => {
    const base = `${ingest.replace('http', 'ws')}/v1/streams/live-bad-${RUN}`;
    expect(await refusedHandshake(`${base}?format=s16le&rate=16000`, {})).toBe(401);
    const bad = await liveStream(`${base}?format=mp3`, Buffer.alloc(0), 1, 'wait');
    expect(bad.closeCode).toBe(1008);
    expect(bad.closeReason).toMatch(/^bad query parameters: format="mp3" is not one of f32le, s16le/);
  });

  it('reads a configured pull source file', async () => {
    const stream = `pull-${RUN}`;
    await waitFor(() => ofStream(stream).length >= 2, 'the pull source windows', KAFKA_WAIT_MS);
    expect(ofStream(stream).map((m) => [m.window.windowSeq, m.window.startMs, m.window.durationMs])).toEqual([
      [0, 0, 10_000],
      [1, 10_000, 2_000],
    ]);
    const reference = await referenceWindows(pullFile);
    ofStream(stream).forEach(({ window }, i) => expect(firstDifference(window, reference[i])).toBe(-1));
  });

  it('counts windows, audio and requests on /metrics', async () => {
    const text = await (await fetch(`${ingest}/metrics`)).text();
    expect(text).toMatch(/audio_concepts_ingest_windows_total\{transport="upload",service="ingest"\} \d+/);
    expect(text).toMatch(/audio_concepts_ingest_windows_total\{transport="websocket",service="ingest"\} 3/);
    expect(text).toMatch(/audio_concepts_ingest_windows_total\{transport="pull",service="ingest"\} 2/);
    expect(text).toMatch(/audio_concepts_ingest_requests_total\{route="upload",code="401",service="ingest"\} 2/);
    expect(text).toMatch(/audio_concepts_ingest_requests_total\{route="upload",code="422",service="ingest"\} 1/);
    expect(text).toMatch(/audio_concepts_ingest_requests_total\{route="websocket",code="401",service="ingest"\} 1/);
    expect(text).toContain('audio_concepts_ingest_active_streams{service="ingest"} 0');
    expect(text).toContain('audio_concepts_ingest_sources_configured{service="ingest"} 1');
    expect(text).toMatch(/audio_concepts_ingest_publish_duration_seconds_count\{service="ingest"\} \d+/);
  });
});
