import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKafka, startService } from './harness';
import { buildIngest, readWindows, type ReadWindow, strongToken, upload } from './ingest-e2e.support';

/**
 * A stream's window numbers survive an ingest restart (issue 8, defect 1): they are durable on a compacted topic,
 * so a restarted ingest — or another replica — goes on where the stream stopped instead of at 0, which the
 * encoder would drop as duplicates.
 */

const TOKEN = strongToken();
const RUN = randomBytes(3).toString('hex');
const KAFKA_WAIT_MS = 30_000;

describe('ingest restart', () => {
  let kafka: Kafka;
  let admin: Admin;
  let consumer: Consumer;
  let work: string;
  let wav35: string;
  let env: Record<string, string>;
  const topic = `e2e.${RUN}.audio.windows.v1`;
  const services: LaunchedService[] = [];
  const received: ReadWindow[] = [];

  beforeAll(async () => {
    buildIngest();
    work = mkdtempSync(join(tmpdir(), 'ingest-restart-'));
    wav35 = makeAudio(lavfiCommand(join(work, 'a.wav'), 'sine=frequency=440', 35));
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    consumer = await readWindows(kafka, topic, received);
    env = { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topic };
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await consumer?.disconnect();
    const topics = (await admin?.listTopics().catch(() => [] as string[])) ?? [];
    await admin?.deleteTopics({ topics: topics.filter((t) => t.startsWith(`e2e.${RUN}.`)) }).catch(() => undefined);
    await admin?.disconnect();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function start(): Promise<string> {
    const service = await startService('ingest', env);
    services.push(service);
    return service.baseUrl;
  }

  it('continues window_seq and start_ms after a restart with the same environment; no (stream, seq) repeats', async () => {
    const stream = `restart-${RUN}`;
    const first = await start();
    const before = await upload(first, TOKEN, stream, readFileSync(wav35));
    expect(before).toMatchObject({ status: 200, json: { windows: 4, first_seq: 0, last_seq: 3 } });
    await services.pop()?.stop();

    const restarted = await start();
    const after = await upload(restarted, TOKEN, stream, readFileSync(wav35));
    expect(after).toMatchObject({ status: 200, json: { windows: 4, first_seq: 4, last_seq: 7 } });

    await waitFor(() => received.filter((m) => m.key === stream).length >= 8, 'the 8 windows', KAFKA_WAIT_MS);
    const windows = received.filter((m) => m.key === stream).map((m) => m.window);
    const seqs = windows.map((w) => w.windowSeq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(windows.map((w) => [w.windowSeq, w.startMs])).toEqual([
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

  it('refuses (409) a seq_start below what the stream already has: it would be dropped downstream as a duplicate', async () => {
    const stream = `restart-${RUN}`;
    const url = await start();
    const answer = await upload(url, TOKEN, stream, readFileSync(wav35), '?seq_start=2');
    expect(answer.status).toBe(409);
    expect(answer.json).toEqual({
      error: `stream ${stream} already has windows up to seq 7; seq_start must be ≥ 8 (or use a new stream id)`,
    });
    expect((await upload(url, TOKEN, stream, readFileSync(wav35), '?seq_start=8')).json).toMatchObject({
      first_seq: 8,
    });
  });

  it('a second replica sees the positions the first one wrote', async () => {
    const stream = `replicas-${RUN}`;
    const [a, b] = [await start(), await start()];
    expect((await upload(a, TOKEN, stream, readFileSync(wav35))).json).toMatchObject({ first_seq: 0, last_seq: 3 });
    expect((await upload(b, TOKEN, stream, readFileSync(wav35))).json).toMatchObject({ first_seq: 4, last_seq: 7 });
    expect((await upload(a, TOKEN, stream, readFileSync(wav35))).json).toMatchObject({ first_seq: 8, last_seq: 11 });
  });
});
