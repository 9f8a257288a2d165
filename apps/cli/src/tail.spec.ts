import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import { createKafka, DEFAULT_BROKERS, encodeMessage } from '@audio-concepts/platform-kafka';
import { waitFor } from '@audio-concepts/platform-kafka/testing';

/**
 * `tail` run as a user runs it (the built CLI) against the real local broker (deploy/local/kafka.sh start),
 * on a topic of its own filled with ConceptFrames, duplicates and one message that is not a frame.
 */
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const TOPIC = `test.${randomBytes(4).toString('hex')}.audio.concepts.v1`;
const WAIT_MS = 30_000;

const kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'cli-tail-spec' });
let admin: Admin;
let producer: Producer;

const frame = (streamId: string, windowSeq: number, label = 'rain') =>
  ConceptFrame.fromPartial({
    streamId,
    windowSeq,
    startMs: windowSeq * 10_000,
    durationMs: 10_000,
    conceptSpaceId: 'space',
    lambda: 0.15,
    concepts: [
      { index: 0, label, weight: 0.25 },
      { index: 1, label: 'white noise', weight: 0.125 },
    ],
    cosine: 0.875,
    l0: 2,
    ingestedAtMs: Date.now(),
  });

async function send(frames: ConceptFrame[]): Promise<void> {
  await producer.send({
    topic: TOPIC,
    acks: -1,
    messages: frames.map((f) => ({ key: f.streamId, value: encodeMessage(ConceptFrame, f) })),
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `stderrSeen` resolves when its stderr contains `text`. */
function tail(args: string[]) {
  const child = spawn(process.execPath, [MAIN, 'tail', '--topic', TOPIC, ...args], { cwd: ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
  const done = new Promise<Run>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    }),
  );
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return { child, done, exited, stderr: () => stderr };
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** A frame of today's decomposers: every non-zero concept (c0 0.5, c1 0.45, …), l0 their count. */
const fullFrame = (streamId: string, windowSeq: number, n: number) =>
  ConceptFrame.fromPartial({
    ...frame(streamId, windowSeq),
    concepts: Array.from({ length: n }, (_, i) => ({ index: i, label: `c${i}`, weight: 0.5 - 0.0625 * i })),
    l0: n,
  });

/** A frame of a decomposer from before issue 10: the 5 largest listed, l0 counting all 37. */
const topFiveFrame = (streamId: string, windowSeq: number) =>
  ConceptFrame.fromPartial({ ...fullFrame(streamId, windowSeq, 5), l0: 37 });

beforeAll(async () => {
  admin = kafka.admin();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
  // stream a: 0, 1, 1 again (a redelivery), 2; stream b: 0, 1; plus a message that is not a ConceptFrame
  await send([frame('a', 0), frame('a', 1), frame('a', 1), frame('b', 0)]);
  await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'a', value: Buffer.from([0xff, 0xff, 0xff]) }] });
  await send([frame('a', 2), frame('b', 1, 'hum')]);
  await send([fullFrame('many', 0, 8), topFiveFrame('many', 1)]);
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
  await producer?.disconnect();
  await admin?.disconnect();
});

describe('tail', () => {
  it("--stream --json --from-beginning --count: the stream's frames, once each, as `tag --json` prints them", async () => {
    const r = await tail(['--stream', 'a', '--count', '3', '--json', '--from-beginning']).done;
    expect(r.code, r.stderr).toBe(0);
    const frames = lines(r.stdout).map((l) => JSON.parse(l));
    expect(frames).toEqual(
      [0, 1, 2].map((seq) => ({
        stream: 'a',
        window_seq: seq,
        start_s: seq * 10,
        end_s: seq * 10 + 10,
        concepts: [
          { label: 'rain', weight: 0.25 },
          { label: 'white noise', weight: 0.125 },
        ],
        cosine: 0.875,
        l0: 2,
        lambda: 0.15,
        model_id: null,
        concept_space_id: 'space',
      })),
    );
    expect(r.stderr).toMatch(/skipped partition \d+ offset \d+: not a valid audio_concepts\.v1\.ConceptFrame/);
  });

  it('--json prints every concept a frame carries, --top K the K largest; l0 is the count either way', async () => {
    const all = await tail(['--stream', 'many', '--count', '2', '--json', '--from-beginning']).done;
    expect(all.code, all.stderr).toBe(0);
    const [full, old] = lines(all.stdout).map((l) => JSON.parse(l));
    expect([full.concepts.length, full.l0, old.concepts.length, old.l0]).toEqual([8, 8, 5, 37]);
    expect(full.concepts[7]).toEqual({ label: 'c7', weight: 0.0625 });
    const top = await tail(['--stream', 'many', '--count', '2', '--json', '--top', '2', '--from-beginning']).done;
    expect(lines(top.stdout).map((l) => JSON.parse(l)).map((f) => [f.concepts.map((c: { label: string }) => c.label), f.l0])).toEqual([
      [['c0', 'c1'], 8],
      [['c0', 'c1'], 37],
    ]); // prettier-ignore
  });

  it('the table shows 5 concepts, or --top K, and how many more the frame carries', async () => {
    const r = await tail(['--stream', 'many', '--count', '2', '--from-beginning']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual([
      '00:00:00.0–00:00:10.0  c0 0.500; c1 0.438; c2 0.375; c3 0.313; c4 0.250; + 3 more   (cos 0.88, 8 concepts)',
      '00:00:10.0–00:00:20.0  c0 0.500; c1 0.438; c2 0.375; c3 0.313; c4 0.250   (cos 0.88, 37 concepts)',
    ]);
    const one = await tail(['--stream', 'many', '--count', '1', '--top', '1', '--from-beginning']).done;
    expect(lines(one.stdout)).toEqual(['00:00:00.0–00:00:10.0  c0 0.500; + 7 more   (cos 0.88, 8 concepts)']);
  });

  it('--top must be a positive integer: a usage error (exit 2) naming it', async () => {
    for (const value of ['0', '1.5', 'all']) {
      const r = await tail(['--top', value]).done;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`option '--top <K>' argument '${value}' is invalid. expected an integer ≥ 1`);
    }
  });

  it('without --stream: every stream, duplicates dropped, table lines that start with the stream', async () => {
    const r = await tail(['--count', '7', '--from-beginning']).done;
    expect(r.code, r.stderr).toBe(0);
    const printed = lines(r.stdout);
    expect(printed).toHaveLength(7);
    expect(printed).toContain('a  00:00:10.0–00:00:20.0  rain 0.250; white noise 0.125   (cos 0.88, 2 concepts)');
    expect(printed).toContain('b  00:00:10.0–00:00:20.0  hum 0.250; white noise 0.125   (cos 0.88, 2 concepts)');
    const seen = printed.map((l) => `${l.split(' ')[0]}@${Number(l.match(/:(\d\d)\.0–/)?.[1])}`).sort();
    expect(seen).toEqual(['a@0', 'a@10', 'a@20', 'b@0', 'b@10', 'many@0', 'many@10']);
  });

  it('without --from-beginning it shows only frames produced after it started', async () => {
    const run = tail(['--count', '1', '--json']);
    await waitFor(() => run.stderr().includes('tail: reading'), 'tail to join its group', WAIT_MS);
    // The consumer takes the latest offsets just after joining: keep sending the same new frame until it
    // shows (duplicates are dropped, so it prints once).
    while (!run.exited()) {
      await send([frame('c', 7, 'siren')]);
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout).map((l) => JSON.parse(l))).toMatchObject([{ stream: 'c', window_seq: 7 }]);
  });

  it('stops cleanly on SIGINT', async () => {
    const run = tail(['--stream', 'nobody']);
    await waitFor(() => run.stderr().includes('tail: reading'), 'tail to join its group', WAIT_MS);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('names an unreachable broker in one line and exits 1', async () => {
    const r = await tail(['--brokers', '127.0.0.1:1', '--connect-timeout', '3']).done;
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^audio-concepts: error: cannot reach Kafka at 127\.0\.0\.1:1/);
  });

  it('names a missing topic in one line and exits 1', async () => {
    const child = spawn(process.execPath, [MAIN, 'tail', '--topic', `${TOPIC}.missing`], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(lines(stderr)).toEqual([`audio-concepts: error: topic ${TOPIC}.missing does not exist on 127.0.0.1:9092`]);
  });

  it('--json has the keys of `tag --json`, model_id from the stored space (null for a space not stored)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'tail-keys-'));
    try {
      const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });
      const built = run('space', 'build', '--cache-dir', cacheDir);
      expect(built.status, built.stderr).toBe(0);
      const spaceId = built.stdout.split('\t')[0];
      const wav = join(ROOT, 'examples', 'audio', 'siren-then-beeps.wav');
      const tagged = run('tag', wav, '--space', spaceId, '--cache-dir', cacheDir, '--json', '--no-progress');
      expect(tagged.status, tagged.stderr).toBe(0);
      const tagLine = JSON.parse(lines(tagged.stdout)[0]);
      const stream = `keys-${randomBytes(3).toString('hex')}`;
      const asFrame = (conceptSpaceId: string, windowSeq: number) =>
        ConceptFrame.fromPartial({
          streamId: stream,
          windowSeq,
          startMs: tagLine.start_s * 1000,
          durationMs: (tagLine.end_s - tagLine.start_s) * 1000,
          conceptSpaceId,
          lambda: 0.15,
          concepts: tagLine.concepts.map((c: { label: string; weight: number }, index: number) => ({ index, ...c })),
          cosine: tagLine.cosine,
          l0: tagLine.l0,
          fit: tagLine.fit,
        });
      await send([asFrame(spaceId, 0), asFrame('feedfacefeedface', 1)]);
      const r = await tail(['--stream', stream, '--count', '2', '--json', '--from-beginning', '--cache-dir', cacheDir])
        .done;
      expect(r.code, r.stderr).toBe(0);
      const [stored, unknown] = lines(r.stdout).map((l) => JSON.parse(l));
      expect(Object.keys(stored)).toEqual(Object.keys(tagLine));
      expect(Object.keys(unknown)).toEqual(Object.keys(tagLine));
      expect([stored.model_id, stored.concept_space_id, stored.l0]).toEqual([tagLine.model_id, spaceId, tagLine.l0]);
      expect(stored.concepts.map((c: { label: string }) => c.label)).toEqual(
        tagLine.concepts.map((c: { label: string }) => c.label),
      );
      expect(unknown.model_id).toBeNull();
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
