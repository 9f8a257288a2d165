import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@audio-concepts/shared-contracts';
import { createKafka, DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';

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
const TOKEN = `spec-token-${RUN}`;
const SERVICES = ['ingest', 'encoder', 'decomposer'].map((app) => join(ROOT, 'apps', app, 'dist', 'main.js'));

const stackDir = mkdtempSync(join(tmpdir(), 'stack-spec-'));
const env = {
  ...process.env,
  AUDIO_CONCEPTS_STACK_DIR: stackDir,
  INGEST_WINDOWS_TOPIC: topic(TOPICS.windows),
  ENCODER_INPUT_TOPIC: topic(TOPICS.windows),
  ENCODER_OUTPUT_TOPIC: topic(TOPICS.embeddings),
  DECOMPOSER_INPUT_TOPIC: topic(TOPICS.embeddings),
  DECOMPOSER_OUTPUT_TOPIC: topic(TOPICS.concepts),
  ENCODER_GROUP: `test-${RUN}-encoder`,
  DECOMPOSER_GROUP: `test-${RUN}-decomposer`,
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

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A random base port with `count` free ports from it. */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
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
  port = await freePorts(3); // ingest, encoder-1, decomposer-1
  grpcPort = await freePorts(1);
});

afterAll(async () => {
  if (existsSync(join(stackDir, 'state.json'))) await cli('stack', 'down', '--keep-kafka', '--grace', '5');
  const names = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  await admin?.deleteTopics({ topics: names.flatMap((t) => [t, `${t}.dlq`]) }).catch(() => undefined);
  await admin?.disconnect();
}, 60_000);

describe('stack', () => {
  it('up: starts the three services, waits until they are ready, and says where they are', async () => {
    const r = await cli('stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort), '--token', TOKEN);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['ingest', 'encoder-1', 'decomposer-1']) expect(r.stderr).toMatch(new RegExp(`${name} ready`));
    expect(r.stdout).toContain(`http://127.0.0.1:${port}/v1/streams/{id}/audio`);
    expect(r.stdout).toContain(`token:    ${TOKEN}`);
    expect(r.stdout).toContain(`http://127.0.0.1:${port + 1}/metrics`);
    expect(r.stdout).toContain(`gRPC:     127.0.0.1:${grpcPort}`);
    const state = JSON.parse(readFileSync(join(stackDir, 'state.json'), 'utf8'));
    pids = state.services.map((s: { pid: number }) => s.pid);
    expect(pids).toHaveLength(3);
    expect(pids.every(alive)).toBe(true);
  }, 200_000);

  it('up again: says it is up and prints the same token, starting nothing', async () => {
    const r = await cli('stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('already up');
    expect(r.stdout).toContain(`token:    ${TOKEN}`);
    const state = JSON.parse(readFileSync(join(stackDir, 'state.json'), 'utf8'));
    expect(state.services.map((s: { pid: number }) => s.pid)).toEqual(pids);
  }, 60_000);

  it('status: every service alive and ready, exit 0', async () => {
    const r = await cli('stack', 'status', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ up: true, ready: true, kafka: { reachable: true } });
    expect(
      report.services.map((s: { name: string; readyz: number; alive: boolean }) => [s.name, s.alive, s.readyz]),
    ).toEqual([
      ['ingest', true, 200],
      ['encoder-1', true, 200],
      ['decomposer-1', true, 200],
    ]);
    const table = await cli('stack', 'status');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^decomposer-1\s+\d+\s+yes\s+200\s+http:\/\/127\.0\.0\.1:\d+\s+gRPC/m);
  });

  it('audio POSTed to ingest comes out of tail as concept frames', async () => {
    const wav = readFileSync(join(ROOT, 'examples', 'audio', 'tone.wav')); // 12 s: two windows
    const response = await fetch(`http://127.0.0.1:${port}/v1/streams/spec-${RUN}/audio`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'audio/wav' },
      body: wav,
    });
    expect(response.status, await response.text()).toBeLessThan(300);
    const r = await cli(
      'tail',
      '--topic',
      topic(TOPICS.concepts),
      '--stream',
      `spec-${RUN}`,
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
  }, 120_000);

  it('down --keep-kafka: stops every service and forgets the stack; status then exits 1', async () => {
    const r = await cli('stack', 'down', '--keep-kafka');
    expect(r.code, r.stderr).toBe(0);
    expect(pids.some(alive)).toBe(false);
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
    expect(spawnSync(join(ROOT, 'deploy', 'local', 'kafka.sh'), ['status']).status).toBe(0);
    const status = await cli('stack', 'status');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('the stack is not up');
  }, 60_000);

  it('up with a model that does not exist: one line naming it, exit 1, nothing started', async () => {
    const args = ['stack', 'up', '--port', String(port), '--grpc-port', String(grpcPort)];
    const r = await cli(...args, '--model', '/nonexistent/model');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('audio-concepts: error: model directory /nonexistent/model does not exist\n');
    expect(existsSync(join(stackDir, 'state.json'))).toBe(false);
    expect(await Promise.all([0, 1, 2].map((i) => portFree(port + i)))).toEqual([true, true, true]);
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
    expect(await Promise.all([0, 1, 2].map((i) => portFree(port + i)))).toEqual([true, true, true]);
  }, 60_000);
});
