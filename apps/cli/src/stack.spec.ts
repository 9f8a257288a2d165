import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecomposerClient, TOPICS } from '@audio-concepts/shared-contracts';
import { createKafka, DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { startModelHub } from '@audio-concepts/encoder-clap/testing';
import { freePorts, isolatedStackEnv, portFree } from '@audio-concepts/platform-launcher/testing';

/**
 * `stack up/status/down` and `tail` as an operator runs them (the built CLI and the built services), against the
 * real local broker. The stack gets a state directory, ports and topics of its own (the services read their topic
 * and group names from the environment, which `stack up` passes on), so it runs beside anything else.
 * Needs `npm run build` (the services' dist/ and the demo model).
 */
const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const RUN = randomBytes(4).toString('hex');
const topic = (name: string) => `test.${RUN}.${name}`;
/** A token of the strength ingest requires (32 random bytes, base64url). */
const TOKEN = randomBytes(32).toString('base64url');
const SERVICES = ['ingest', 'encoder', 'decomposer', 'metrics'].map((app) =>
  join(ROOT, 'apps', app, 'dist', 'main.js'),
);

const stackDir = mkdtempSync(join(tmpdir(), 'stack-spec-'));
const env = {
  ...process.env,
  AUDIO_CONCEPTS_STACK_DIR: stackDir,
  ...isolatedStackEnv(`test-${RUN}`, {
    windows: topic(TOPICS.windows),
    embeddings: topic(TOPICS.embeddings),
    concepts: topic(TOPICS.concepts),
  }),
};

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({}, ...args);
}

/** `cli` with more environment variables (the services inherit them). */
function cliWith(
  extraEnv: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

interface StateService {
  name: string;
  pid: number;
  readyUrl: string;
}

function readStateFile(): { token: string; services: StateService[]; supervisor?: { pid: number } } {
  return JSON.parse(readFileSync(join(stackDir, 'state.json'), 'utf8'));
}

const pidOf = (name: string) => readStateFile().services.find((s) => s.name === name)!.pid;

/** The file's permission bits, e.g. 0o600. */
const modeOf = (file: string) => statSync(file).mode & 0o777;

async function readyz(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return undefined;
  }
}

/** POSTs the 12 s tone to ingest as `stream` and reads its two frames back with `tail`. */
async function roundTrip(token: string, stream: string): Promise<void> {
  const wav = readFileSync(join(ROOT, 'examples', 'audio', 'tone.wav')); // 12 s: two windows
  const response = await fetch(`http://127.0.0.1:${port}/v1/streams/${stream}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
    body: wav,
  });
  expect(response.status, await response.text()).toBeLessThan(300);
  const r = await cli(
    'tail',
    '--topic',
    topic(TOPICS.concepts),
    '--stream',
    stream,
    '--count',
    '2',
    '--json',
    '--from-beginning',
  );
  expect(r.code, r.stderr).toBe(0);
  const frames = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(frames.map((f) => [f.window_seq, f.start_s])).toEqual([
    [0, 0],
    [1, 10],
  ]);
  expect(frames[0].concepts[0].label).toBe('tone');
}

/** Frames per key (the stream id) in `topicName`, as kcat (librdkafka) reads them with read_committed. */
function kcatCounts(topicName: string): Map<string, number> {
  const r = spawnSync(
    'kcat',
    ['-C', '-b', DEFAULT_BROKERS[0], '-t', topicName, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%k\n'], // prettier-ignore
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`kcat -C ${topicName} failed (${r.status}): ${r.stderr}`);
  const counts = new Map<string, number>();
  for (const key of r.stdout.split('\n').filter(Boolean)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** A 16-bit WAV file of `file`'s audio looped to `seconds`. */
function loopedWav(file: string, seconds: number): Buffer {
  const bytes = readFileSync(file);
  const at = bytes.indexOf('data');
  const pcm = bytes.subarray(at + 8, at + 8 + bytes.readUInt32LE(at + 4));
  const rate = bytes.readUInt32LE(24);
  const total = seconds * rate * 2;
  const data = Buffer.alloc(total);
  for (let filled = 0; filled < total; filled += pcm.length)
    pcm.copy(data, filled, 0, Math.min(pcm.length, total - filled));
  const header = Buffer.from(bytes.subarray(0, at + 8));
  header.writeUInt32LE(header.length - 8 + total, 4);
  header.writeUInt32LE(total, at + 4);
  return Buffer.concat([header, data]);
}

const kafka = createKafka({ brokers: DEFAULT_BROKERS, clientId: 'cli-stack-spec' });
let admin: Admin;
let port: number;
let grpcPort: number;
let pids: number[] = [];

beforeAll(async () => {
  for (const script of SERVICES)
    if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  admin = kafka.admin();
  await admin.connect();
  const names = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  await admin.createTopics({
    topics: names.flatMap((t) => [t, `${t}.dlq`]).map((t) => ({ topic: t, numPartitions: 2 })),
    waitForLeaders: true,
  });
  port = await freePorts(4); // ingest, encoder-1, decomposer-1, metrics
  grpcPort = await freePorts(1);
});

afterAll(async () => {
  if (existsSync(join(stackDir, 'state.json'))) await cli('stack', 'down', '--keep-kafka', '--grace', '5');
  const names = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  await admin?.deleteTopics({ topics: names.flatMap((t) => [t, `${t}.dlq`]) }).catch(() => undefined);
  await admin?.disconnect();
}, 60_000);

describe('stack', () => {
  const upArgs = () => ['stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort)];
  const tokenFile = join(stackDir, 'token');
  let token: string;

  it('up: starts the four services, waits until they are ready, and says where they are', async () => {
    const r = await cli(...upArgs());
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['ingest', 'encoder-1', 'decomposer-1', 'metrics'])
      expect(r.stderr).toMatch(new RegExp(`${name} ready`));
    expect(r.stdout).toContain(`http://127.0.0.1:${port}/v1/streams/{id}/audio`);
    expect(r.stdout).toContain(`http://127.0.0.1:${port + 1}/metrics`);
    expect(r.stdout).toContain(`gRPC:     127.0.0.1:${grpcPort}`);
    const state = readStateFile();
    expect(r.stdout).toContain(`live:     http://127.0.0.1:${port + 3}/live?token=${state.token}`);
    pids = state.services.map((s) => s.pid);
    expect(pids).toHaveLength(4);
    expect(pids.every(alive)).toBe(true);
    expect(state.supervisor && alive(state.supervisor.pid)).toBe(true);
  }, 200_000);

  it('up made a token of 32 random bytes, kept readable by its owner only', () => {
    token = readStateFile().token;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
    expect(modeOf(tokenFile)).toBe(0o600);
    expect(modeOf(join(stackDir, 'state.json'))).toBe(0o600);
  });

  it('up again: says it is up and prints the same token, starting nothing', async () => {
    const r = await cli(...upArgs());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('already up');
    expect(r.stdout).toContain(`token:    ${token}`);
    expect(readStateFile().services.map((s) => s.pid)).toEqual(pids);
  }, 60_000);

  it('status: every service alive and ready, exit 0', async () => {
    const r = await cli('stack', 'status', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ up: true, ready: true, kafka: { reachable: true }, supervisor: { alive: true } });
    expect(
      report.services.map((s: { name: string; readyz: number; alive: boolean }) => [s.name, s.alive, s.readyz]),
    ).toEqual([
      ['ingest', true, 200],
      ['encoder-1', true, 200],
      ['decomposer-1', true, 200],
      ['metrics', true, 200],
    ]);
    const table = await cli('stack', 'status');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^decomposer-1\s+\d+\s+yes\s+200\s+http:\/\/127\.0\.0\.1:\d+\s+gRPC/m);
  });

  it("the decomposers' gRPC wants the stack's token", async () => {
    const client = new DecomposerClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const list = (metadata: Metadata) =>
      new Promise<{ code: number; spaces: number }>((resolve) =>
        client.listConceptSpaces({}, metadata, { deadline: Date.now() + 10_000 }, (error, response) =>
          resolve({ code: error?.code ?? status.OK, spaces: response?.spaces.length ?? 0 }),
        ),
      );
    try {
      expect(await list(new Metadata())).toEqual({ code: status.UNAUTHENTICATED, spaces: 0 });
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      expect(await list(metadata)).toEqual({ code: status.OK, spaces: 1 });
    } finally {
      client.close();
    }
  });

  it('audio POSTed to ingest comes out of tail as concept frames', async () => {
    await roundTrip(token, `spec-${RUN}`);
  }, 120_000);

  it('up --encoders 2 adds encoder-2 on a new port mid-stream, --encoders 1 stops it: every window comes out once', async () => {
    // Two streams of 3 minutes (18 windows each) in flight while the encoders' group rebalances twice; the topics have
    // 2 partitions, so both encoders get work.
    const streams = [0, 1].map((i) => `spec-${RUN}-scale-${i}`);
    const wav = loopedWav(join(ROOT, 'examples', 'audio', 'tone.wav'), 180);
    const posts = streams.map((stream) =>
      fetch(`http://127.0.0.1:${port}/v1/streams/${stream}/audio`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
        body: wav,
      }),
    );
    const before = readStateFile().services;
    const up = await cli(...upArgs(), '--encoders', '2');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('encoders 1 → 2: starting encoder-2\n');
    expect(up.stderr).toMatch(/encoder-2 ready/);
    const added = readStateFile().services.find((s) => s.name === 'encoder-2')!;
    expect(alive(added.pid)).toBe(true);
    expect(before.map((s) => s.readyUrl)).not.toContain(added.readyUrl);
    expect(
      readStateFile()
        .services.filter((s) => s.name !== 'encoder-2')
        .map((s) => s.pid),
    ).toEqual(pids);
    // the broker sees both in the group (stack lag reads it as an operator would)
    await waitFor(
      async () => {
        const lag = await cli('stack', 'lag', '--count', '1', '--json');
        return lag.code === 0 && JSON.parse(lag.stdout).stages[0].members === 2;
      },
      'two members in the encoders group',
      60_000,
    );
    for (const response of await Promise.all(posts)) expect(response.status).toBeLessThan(300);
    const down = await cli(...upArgs(), '--encoders', '1');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain('encoders 2 → 1: stopping encoder-2');
    expect(down.stderr).toMatch(new RegExp(`encoder-2 \\(pid ${added.pid}\\) stopped`));
    expect(alive(added.pid)).toBe(false);
    expect(readStateFile().services.map((s) => s.pid)).toEqual(pids);
    // every window exactly once, as a non-JS reader (kcat, read_committed) counts the frames of each stream
    await waitFor(() => streams.every((stream) => (kcatCounts(topic(TOPICS.concepts)).get(stream) ?? 0) >= 18), 'the frames', 120_000); // prettier-ignore
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const counts = kcatCounts(topic(TOPICS.concepts));
    expect(streams.map((stream) => counts.get(stream))).toEqual([18, 18]);
    const lag = await cli('stack', 'lag', '--count', '2', '--every', '0.5');
    expect(lag.code, lag.stderr).toBe(0);
    expect(lag.stdout).toMatch(
      /^ +\d+\.\d s {2}encoders: 1 member, lag 0 windows, 0\.0 windows\/s {2}\| {2}decomposers: 1 member, lag \d+ embeddings, /m,
    );
  }, 300_000);

  it('a service that dies is restarted alone by the supervisor', async () => {
    const [ingest, encoder, decomposer] = pids;
    process.kill(encoder, 'SIGKILL');
    await waitFor(() => pidOf('encoder-1') !== encoder && alive(pidOf('encoder-1')), 'a new encoder-1', 60_000);
    const restarted = readStateFile().services.find((s) => s.name === 'encoder-1')!;
    await waitFor(async () => (await readyz(restarted.readyUrl)) === 200, 'the new encoder-1 to be ready', 60_000);
    expect([pidOf('ingest'), pidOf('decomposer-1')]).toEqual([ingest, decomposer]);
    expect([ingest, decomposer].every(alive)).toBe(true);
    expect(readFileSync(join(stackDir, 'logs', 'supervisor.log'), 'utf8')).toMatch(
      new RegExp(`encoder-1 \\(pid ${encoder}\\) is not running; restarting it`),
    );
    await roundTrip(token, `spec-${RUN}-after-encoder-crash`);
    pids = readStateFile().services.map((s) => s.pid);
  }, 180_000);

  it('up with the supervisor and a service dead: starts only those, says which, keeps the token', async () => {
    const [ingest, encoder, decomposer] = pids;
    const supervisor = readStateFile().supervisor!.pid;
    process.kill(supervisor, 'SIGKILL');
    process.kill(decomposer, 'SIGKILL');
    await waitFor(() => !alive(supervisor) && !alive(decomposer), 'the supervisor and decomposer-1 to be gone');
    const r = await cli(...upArgs());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('restarting decomposer-1 (not running); ingest, encoder-1, metrics are running');
    expect(r.stderr).toMatch(/decomposer-1 ready/);
    expect(r.stderr).not.toMatch(/(ingest|encoder-1|metrics) ready/);
    expect(r.stdout).toContain(`token:    ${token}`);
    const state = readStateFile();
    expect([pidOf('ingest'), pidOf('encoder-1')]).toEqual([ingest, encoder]);
    expect(pidOf('decomposer-1')).not.toBe(decomposer);
    expect(state.services.every((s) => alive(s.pid))).toBe(true);
    expect(state.supervisor!.pid).not.toBe(supervisor);
    expect(alive(state.supervisor!.pid)).toBe(true);
    await roundTrip(token, `spec-${RUN}-after-decomposer-crash`);
    pids = state.services.map((s) => s.pid);
  }, 180_000);

  it('down --keep-kafka: stops every service and the supervisor; status then exits 1', async () => {
    const supervisor = readStateFile().supervisor!.pid;
    const r = await cli('stack', 'down', '--keep-kafka');
    expect(r.code, r.stderr).toBe(0);
    expect(pids.some(alive)).toBe(false);
    expect(alive(supervisor)).toBe(false);
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
    expect(spawnSync(join(ROOT, 'deploy', 'local', 'kafka.sh'), ['status']).status).toBe(0);
    const status = await cli('stack', 'status');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('the stack is not up');
  }, 60_000);

  it('up after down: the same token', async () => {
    const r = await cli(...upArgs());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`token:    ${token}`);
    pids = readStateFile().services.map((s) => s.pid);
  }, 200_000);

  it('up --new-token: a new token; ingest, the decomposers and metrics restart with it, the encoders keep running', async () => {
    const [ingest, encoder, decomposer, metrics] = pids;
    const r = await cli(...upArgs(), '--new-token');
    expect(r.code, r.stderr).toBe(0);
    const state = readStateFile();
    expect(state.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(state.token).not.toBe(token);
    expect(r.stdout).toContain(`token:    ${state.token}`);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(state.token);
    expect(r.stderr).toContain('new token: restarting ingest, decomposer-1, metrics\n');
    expect(pidOf('encoder-1')).toBe(encoder);
    expect(pidOf('ingest')).not.toBe(ingest);
    expect(pidOf('decomposer-1')).not.toBe(decomposer);
    expect(pidOf('metrics')).not.toBe(metrics);
    expect(state.services.every((s) => alive(s.pid))).toBe(true);
    const old = await fetch(`http://127.0.0.1:${port}/v1/streams/spec-${RUN}-old-token/audio`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
      body: readFileSync(join(ROOT, 'examples', 'audio', 'tone.wav')),
    });
    expect(old.status).toBe(401);
    token = state.token;
    pids = state.services.map((s) => s.pid);
  }, 200_000);

  it('down --forget: forgets the token too; the next up makes a new one, and --token sets one', async () => {
    const down = await cli('stack', 'down', '--keep-kafka', '--forget');
    expect(down.code, down.stderr).toBe(0);
    expect(existsSync(tokenFile)).toBe(false);
    const r = await cli(...upArgs(), '--token', TOKEN);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`token:    ${TOKEN}`);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(TOKEN);
    const again = await cli('stack', 'down', '--keep-kafka', '--forget');
    expect(again.code, again.stderr).toBe(0);
  }, 200_000);

  it('up with a model that does not exist: one line naming it, exit 1, nothing started', async () => {
    const args = ['stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort)];
    const r = await cli(...args, '--model', '/nonexistent/model');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('audio-concepts: error: model directory /nonexistent/model does not exist\n');
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
    expect(await Promise.all([0, 1, 2, 3].map((i) => portFree(port + i)))).toEqual([true, true, true, true]);
  }, 60_000);

  it('up with a service that cannot start: its log lines, exit 1, and nothing left running', async () => {
    // The services inherit the environment: a bad setting stops the encoder at start.
    const args = ['stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort)];
    const r = await cliWith({ ENCODER_MAX_BATCH: '0' }, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--- last lines of .*encoder-1\.log ---/);
    expect(r.stderr).toContain('bad configuration: ENCODER_MAX_BATCH=\\"0\\" is not a number in [1, 1024]');
    expect(r.stderr).toMatch(/audio-concepts: error: encoder-1 exited before it was ready; its log: /);
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
    expect(await Promise.all([0, 1, 2, 3].map((i) => portFree(port + i)))).toEqual([true, true, true, true]);
  }, 60_000);
  it('up --model <hub id> --allow-network: fetched into the model store before any service starts; the encoder loads that copy', async () => {
    const hubId = 'Xenova/clap-htsat-unfused';
    const hub = await startModelHub({ [hubId]: join(ROOT, 'models', 'clap-demo') });
    const cache = mkdtempSync(join(tmpdir(), 'stack-spec-cache-'));
    const store = join(cache, 'models', ...hubId.split('/'));
    try {
      const withHub = { HF_ENDPOINT: hub.url, AUDIO_CONCEPTS_CACHE: cache };
      const r = await cliWith(withHub, ...upArgs(), '--model', hubId, '--allow-network');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`stack: model ${hubId}: ${store}`);
      expect(hub.requests).toHaveLength(6); // config, preprocessor, tokenizer ×2, the two towers
      const encoderEnv = readFileSync(`/proc/${pidOf('encoder-1')}/environ`, 'utf8').split('\0');
      expect(encoderEnv).toContain(`MODEL_DIR=${store}`);
      await roundTrip(readStateFile().token, `hub-${RUN}`);
    } finally {
      await cli('stack', 'down', '--keep-kafka', '--grace', '5');
      await hub.close();
    }
  }, 200_000);
});
