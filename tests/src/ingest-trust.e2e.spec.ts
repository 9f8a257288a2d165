import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { WebSocket } from 'ws';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKERS, createTestKafka, freePort, REPO_ROOT, startService } from './harness';
import { buildIngest, readWindows, type ReadWindow, strongToken, upload } from './ingest-e2e.support';

/**
 * Regression tests of the ingest service's trust defects (issue 8): what a client is told must be what happened,
 * and a client must not be able to make ingest hold resources or publish audio without limit.
 */

const TOKEN = strongToken();
const RUN = randomBytes(3).toString('hex');
/** This instance's limits: a minute of decoded audio per upload, 2 s without bytes ends a feed. */
const MAX_UPLOAD_S = 60;
const IDLE_TIMEOUT_S = 2;
const KAFKA_WAIT_MS = 30_000;

/** `seconds` of a 440 Hz tone as s16le samples at `rate` Hz. */
function toneS16(seconds: number, rate: number): Buffer {
  const bytes = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++) {
    bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 2 * i);
  }
  return bytes;
}

/** Where the samples of a WAV file made by ffmpeg start (after the 'data' chunk header). */
function dataStart(wav: Buffer): number {
  return wav.indexOf('data') + 8;
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Yields `bytes` in pieces, then never ends (until `release` is called): a client that stalls. */
function stallingBody(bytes: Buffer): { body: AsyncIterable<Buffer>; release: () => void } {
  let release = () => undefined as void;
  const stalled = new Promise<void>((resolve) => (release = resolve));
  async function* body(): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += 64 * 1024) yield bytes.subarray(i, i + 64 * 1024);
    await stalled;
  }
  return { body: body(), release };
}

interface LiveResult {
  messages: Record<string, unknown>[];
  closeCode: number;
  closeReason: string;
}

/** A live stream that sends `pcm`, then `end` (or nothing: it stalls), and collects what comes back. */
function liveStream(url: string, pcm: Buffer, finish: 'end' | 'stall', headers: Record<string, string> = {}) {
  return new Promise<LiveResult>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Record<string, unknown>[] = [];
    ws.on('open', () => {
      for (let i = 0; i < pcm.length; i += 3_200) ws.send(pcm.subarray(i, i + 3_200));
      if (finish === 'end') ws.send('end');
    });
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
    ws.on('close', (closeCode, reason) => resolve({ messages, closeCode, closeReason: reason.toString() }));
    ws.on('unexpected-response', (_request, response) =>
      reject(new Error(`the handshake was refused with HTTP ${response.statusCode}`)),
    );
    ws.on('error', reject);
  });
}

/** Runs the built ingest with `env` until it exits (or `timeoutMs` passes: then it is killed and code is null). */
function runIngest(env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps', 'ingest', 'dist', 'main.js')], {
      env: { ...process.env, KAFKA_BROKERS: BROKERS.join(','), HOST: '127.0.0.1', ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('ingest trust', () => {
  let kafka: Kafka;
  let admin: Admin;
  let consumer: Consumer;
  let work: string;
  let topic: string;
  let service: LaunchedService & { baseUrl: string };
  let base: string;
  const received: ReadWindow[] = [];
  const ofStream = (stream: string) => received.filter((m) => m.key === stream);

  beforeAll(async () => {
    buildIngest();
    work = mkdtempSync(join(tmpdir(), 'ingest-trust-'));
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topic = `e2e.${RUN}.audio.windows.v1`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    consumer = await readWindows(kafka, topic, received);
    service = await startService('ingest', {
      INGEST_TOKEN: TOKEN,
      INGEST_WINDOWS_TOPIC: topic,
      INGEST_MAX_UPLOAD_S: String(MAX_UPLOAD_S),
      INGEST_IDLE_TIMEOUT_S: String(IDLE_TIMEOUT_S),
    });
    base = service.baseUrl;
  }, 180_000);

  afterAll(async () => {
    await service?.stop();
    await consumer?.disconnect();
    await admin?.deleteTopics({ topics: [topic, `e2e.${RUN}.audio.stream-positions.v1`] }).catch(() => undefined);
    await admin?.disconnect();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('takes the token as ?token= on a WebSocket (for browsers, which cannot set headers)', async () => {
    const stream = `query-token-${RUN}`;
    const url = `${base.replace('http', 'ws')}/v1/streams/${stream}?format=s16le&rate=16000&token=${TOKEN}`;
    const result = await liveStream(url, toneS16(3, 16_000), 'end');
    expect(result.messages).toEqual([
      { window_seq: 0 },
      { stream, windows: 1, first_seq: 0, last_seq: 0, duration_s: 3 },
    ]);
    expect(result.closeCode).toBe(1000);
  });

  it('answers an unknown route and a path with a bad %-escape with {"error": …}', async () => {
    const unknown = await fetch(`${base}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(Object.keys((await unknown.json()) as object)).toEqual(['error']);

    const badEscape = await fetch(`${base}/v1/streams/%E0%A4%A/audio`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: 'x',
    });
    expect(badEscape.status).toBe(400);
    const body = (await badEscape.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toMatch(/%E0%A4%A/);
  });

  it('refuses a seq_start so high that the window numbers would pass 2^53 (they would repeat)', async () => {
    // 35 s: 4 windows, numbered from 2^53 − 2 on: the last two would both read 2^53
    const wav = makeAudio(lavfiCommand(join(work, 'seq.wav'), 'sine=frequency=440', 35));
    const stream = `seq-cap-${RUN}`;
    const answer = await upload(base, TOKEN, stream, readFileSync(wav), `?seq_start=${Number.MAX_SAFE_INTEGER - 1}`);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(/seq_start=.* is not an integer in \[0, \d+\]/);
    expect(ofStream(stream)).toEqual([]);
  });

  it('says when an uploaded WAV is truncated (its header declares more audio than the body holds)', async () => {
    const wav = readFileSync(makeAudio(lavfiCommand(join(work, 'trunc.wav'), 'sine=frequency=440', 10)));
    // the header (declaring 10 s) and 0.01 s of 16-bit samples
    const truncated = wav.subarray(0, dataStart(wav) + 960);
    const stream = `truncated-${RUN}`;
    const answer = await upload(base, TOKEN, stream, truncated);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ stream, windows: 1, duration_s: 0.01, truncated: true });
    expect(answer.json.warning).toMatch(/truncated/);
  });

  it('refuses (413) an upload whose decoded audio exceeds INGEST_MAX_UPLOAD_S: a tiny FLAC of 5 min of silence', async () => {
    const flac = makeAudio(lavfiCommand(join(work, 'silence.flac'), 'anullsrc=channel_layout=mono', 300));
    expect(readFileSync(flac).length).toBeLessThan(100_000);
    const stream = `flac-bomb-${RUN}`;
    const answer = await upload(base, TOKEN, stream, readFileSync(flac));
    expect(answer.status).toBe(413);
    expect(answer.json.error).toMatch(new RegExp(`more than the limit of ${MAX_UPLOAD_S} s of audio`));
    // what was published before the limit is reported, and is all that was published
    expect(answer.json).toMatchObject({ stream, windows: 6, first_seq: 0, last_seq: 5 });
    await waitFor(() => ofStream(stream).length >= 6, 'the 6 windows', KAFKA_WAIT_MS);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ofStream(stream).map((m) => m.window.windowSeq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('ends an upload that stalls with 408 after INGEST_IDLE_TIMEOUT_S, reports what was published, frees the stream', async () => {
    const wav = readFileSync(makeAudio(lavfiCommand(join(work, 'idle.wav'), 'sine=frequency=440', 35)));
    const stream = `idle-${RUN}`;
    // 12.5 s of the 35 s file, then nothing
    const { body, release } = stallingBody(wav.subarray(0, dataStart(wav) + 12.5 * 96_000));
    try {
      const answer = await upload(base, TOKEN, stream, body, '', AbortSignal.timeout(30_000));
      expect(answer.status).toBe(408);
      expect(answer.json.error).toMatch(new RegExp(`no audio received for ${IDLE_TIMEOUT_S} s`));
      expect(answer.json).toMatchObject({ stream, windows: 1, first_seq: 0, last_seq: 0 });
    } finally {
      release();
    }
    const again = await upload(base, TOKEN, stream, wav);
    expect(again).toMatchObject({ status: 200, json: { windows: 4, first_seq: 1 } });
  });

  it('ends a WebSocket stream that stalls after INGEST_IDLE_TIMEOUT_S with an error and a close', async () => {
    const stream = `idle-live-${RUN}`;
    const url = `${base.replace('http', 'ws')}/v1/streams/${stream}?format=s16le&rate=16000`;
    const result = await within(
      liveStream(url, toneS16(11, 16_000), 'stall', { authorization: `Bearer ${TOKEN}` }),
      30_000,
      'the server to end the stalled stream',
    );
    expect(result.messages).toEqual([
      { window_seq: 0 },
      { error: expect.stringMatching(new RegExp(`no audio received for ${IDLE_TIMEOUT_S} s`)) },
    ]);
    expect(result.closeCode).toBe(1008);
  });

  it('refuses to start with a weak INGEST_TOKEN, naming the rule', async () => {
    const port = await freePort();
    const run = await runIngest({ INGEST_TOKEN: 'e2e-token', PORT: String(port), INGEST_WINDOWS_TOPIC: topic }, 20_000);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/INGEST_TOKEN is too weak/);
  });

  it('publishes windows with an idempotent producer (a retried send cannot duplicate a window)', async () => {
    await waitFor(() => received.length > 0, 'some windows', KAFKA_WAIT_MS);
    expect(received.every((m) => Number(m.producerId) >= 0)).toBe(true);
  });
});
