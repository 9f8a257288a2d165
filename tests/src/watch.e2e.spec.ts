import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { createConsumer, decodeMessage, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { DriftEvent, DriftEventKind, TOPICS } from '@audio-concepts/shared-contracts';
import { createTestKafka, freePort, REPO_ROOT } from './harness';
import { DASHBOARD, dashboardQueries, ruleFiles, startPrometheus, type PrometheusServer } from './support/prometheus';

/**
 * Watching on the real stack (issue 10): `stack up` starts the metrics service with the others; two streams in two
 * stream groups — one steady (white noise), one that switches (white noise → a tone). Only the switching group
 * alarms, a DriftEvent lands on the drift topic, and a metrics service killed mid-stream comes back with its state
 * (reference kept, no false alarm). A real Prometheus scrapes all four services; the drift gauges answer PromQL and
 * every query of the Grafana dashboard evaluates. Topics and groups are this test's own, on the shared broker; what
 * the detector said is written to .test-results/watch-e2e.md.
 */
const RUN = randomBytes(4).toString('hex');
const topic = (name: string) => `test.${RUN}.${name}`;
const TOKEN = randomBytes(32).toString('base64url');
const REFERENCE_WINDOWS = 30;
const MAIN = join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js');

const stackDir = mkdtempSync(join(tmpdir(), 'watch-e2e-'));
const env = {
  ...process.env,
  AUDIO_CONCEPTS_STACK_DIR: stackDir,
  INGEST_WINDOWS_TOPIC: topic(TOPICS.windows),
  INGEST_MAX_AUDIO_RATE: '10000',
  ENCODER_INPUT_TOPIC: topic(TOPICS.windows),
  ENCODER_OUTPUT_TOPIC: topic(TOPICS.embeddings),
  DECOMPOSER_INPUT_TOPIC: topic(TOPICS.embeddings),
  DECOMPOSER_OUTPUT_TOPIC: topic(TOPICS.concepts),
  ENCODER_GROUP: `test-${RUN}-encoder`,
  DECOMPOSER_GROUP: `test-${RUN}-decomposer`,
  METRICS_INPUT_TOPIC: topic(TOPICS.concepts),
  METRICS_DRIFT_TOPIC: topic(TOPICS.drift),
  METRICS_STATE_TOPIC: topic(TOPICS.metricsState),
  METRICS_GROUP: `test-${RUN}-metrics`,
  METRICS_GROUPS: 'steady-*=steady,switch-*=switching',
  METRICS_REFERENCE_WINDOWS: String(REFERENCE_WINDOWS),
  METRICS_COMMIT_INTERVAL_MS: '1000',
  METRICS_PROBE_INTERVAL_MS: '1000',
};

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `seconds` of sox-made audio at 16 kHz: white noise or a 1 kHz tone; the same samples every run (sox -R). */
function sound(kind: 'noise' | 'tone', seconds: number): Buffer {
  const file = join(stackDir, `${kind}-${seconds}.wav`);
  if (!existsSync(file)) {
    const synth = kind === 'noise' ? ['whitenoise', 'vol', '0.5'] : ['sine', '1000', 'vol', '0.5'];
    const run = spawnSync('sox', [
      '-R',
      '-n',
      '-r',
      '16000',
      '-c',
      '1',
      '-b',
      '16',
      file,
      'synth',
      String(seconds),
      ...synth,
    ]);
    if (run.status !== 0) throw new Error(`sox failed: ${run.stderr}`);
  }
  return readFileSync(file);
}

let port: number;
const metricsUrl = () => `http://127.0.0.1:${port + 3}`;

async function upload(stream: string, audio: Buffer): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/streams/${stream}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'audio/wav' },
    body: audio,
  });
  expect(response.status, await response.text()).toBe(200);
}

/** The metrics service's samples of `name` by stream group (undefined while it does not answer). */
async function gauge(name: string): Promise<Map<string, number> | undefined> {
  let text: string;
  try {
    text = await (await fetch(`${metricsUrl()}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  } catch {
    return undefined;
  }
  const values = new Map<string, number>();
  for (const match of text.matchAll(new RegExp(`^${name}\\{stream_group="([^"]+)"[^}]*\\} (\\S+)$`, 'gm')))
    values.set(match[1], Number(match[2]));
  return values;
}

function stackState(): { services: { name: string; pid: number }[] } {
  return JSON.parse(readFileSync(join(stackDir, 'state.json'), 'utf8'));
}

const kafka = createTestKafka();
let admin: Admin;
const events: DriftEvent[] = [];
let reader: Consumer;
let prometheus: PrometheusServer | undefined;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  const data = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  await admin.createTopics({
    topics: [
      ...data.flatMap((t) => [t, `${t}.dlq`]).map((t) => ({ topic: t, numPartitions: 2 })),
      { topic: topic(TOPICS.drift), numPartitions: 1 },
      {
        topic: topic(TOPICS.metricsState),
        numPartitions: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
      },
    ],
    waitForLeaders: true,
  });
  reader = createConsumer(kafka, { groupId: uniqueGroupId('watch-e2e') });
  await reader.connect();
  await reader.subscribe({ topic: topic(TOPICS.drift), fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      events.push(decodeMessage(DriftEvent, 'audio_concepts.v1.DriftEvent', message.value));
    },
  });
  port = await freePortRun(4);
  const up = await cli(
    'stack',
    'up',
    '--port',
    String(port),
    '--grpc-port',
    String(await freePort()),
    '--token',
    TOKEN,
  );
  expect(up.code, up.stderr).toBe(0);
  const jobs = ['ingest', 'encoder', 'decomposer', 'metrics'];
  prometheus = await startPrometheus({
    name: 'prometheus-watch',
    targets: jobs.map((job, i) => ({ job, url: `http://127.0.0.1:${port + i}/metrics` })),
    ruleFiles: ruleFiles(),
  });
}, 300_000);

afterAll(async () => {
  await prometheus?.stop();
  if (existsSync(join(stackDir, 'state.json'))) await cli('stack', 'down', '--keep-kafka', '--grace', '5');
  await reader?.disconnect();
  const data = [TOPICS.windows, TOPICS.embeddings, TOPICS.concepts].map(topic);
  await admin
    ?.deleteTopics({
      topics: [...data.flatMap((t) => [t, `${t}.dlq`]), topic(TOPICS.drift), topic(TOPICS.metricsState)],
    })
    .catch(() => undefined);
  await admin?.disconnect();
  rmSync(stackDir, { recursive: true, force: true });
}, 120_000);

describe('watching the real stack', () => {
  it('freezes a reference per stream group from its first windows', async () => {
    await Promise.all([upload('steady-1', sound('noise', 320)), upload('switch-1', sound('noise', 320))]);
    await waitFor(
      async () => {
        const thresholds = await gauge('audio_concepts_drift_threshold');
        return thresholds?.has('steady') === true && thresholds.has('switching');
      },
      'both groups to have a frozen reference (a drift threshold)',
      120_000,
    );
    const frames = await gauge('audio_concepts_drift_reference_frames');
    expect(frames?.get('steady')).toBe(REFERENCE_WINDOWS);
    expect(frames?.get('switching')).toBe(REFERENCE_WINDOWS);
  }, 180_000);

  it('a metrics service killed mid-stream comes back with its state: same reference, no false alarm', async () => {
    const before = await gauge('audio_concepts_drift_threshold');
    const metrics = stackState().services.find((s) => s.name === 'metrics')!;
    // let a commit happen (METRICS_COMMIT_INTERVAL_MS=1000), then kill it while more audio arrives
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    process.kill(metrics.pid, 'SIGKILL');
    await Promise.all([upload('steady-1', sound('noise', 100)), upload('switch-1', sound('noise', 100))]);
    await waitFor(
      async () => (await fetch(`${metricsUrl()}/readyz`).catch(() => undefined))?.status === 200,
      'the supervisor to restart the metrics service',
      120_000,
    );
    expect(stackState().services.find((s) => s.name === 'metrics')!.pid).not.toBe(metrics.pid);
    // restored, not collecting again: the thresholds are back before any new frame could freeze a reference
    expect(await gauge('audio_concepts_drift_threshold')).toEqual(before);
    expect((await gauge('audio_concepts_drift_reference_frames'))?.get('steady')).toBe(REFERENCE_WINDOWS);
    await caughtUp(41);
    expect(events).toEqual([]);
    expect(await gauge('audio_concepts_drift_alarm')).toEqual(
      new Map([
        ['steady', 0],
        ['switching', 0],
      ]),
    );
  }, 240_000);

  it('only the group whose sound changes alarms, naming what changed, and a DriftEvent lands on audio.drift.v1', async () => {
    await Promise.all([upload('steady-1', sound('noise', 200)), upload('switch-1', sound('tone', 200))]);
    await waitFor(() => events.length > 0, 'a DriftEvent', 120_000);
    await caughtUp(61);
    const alarm = events[0];
    await report(alarm);
    expect(alarm).toMatchObject({ streamGroup: 'switching', kind: DriftEventKind.DRIFT_EVENT_KIND_ALARM });
    expect(alarm.statistic).toBeGreaterThan(alarm.threshold);
    expect(alarm.changed.map((c) => c.label)).toContain('tone');
    // the change began with the first tone window: after the 42 noise windows of switch-1
    expect(alarm.changeStreamId).toBe('switch-1');
    expect(Math.abs(alarm.changeWindowSeq - 42)).toBeLessThanOrEqual(5);
    expect(events.filter((e) => e.streamGroup === 'steady')).toEqual([]);
    const alarms = await gauge('audio_concepts_drift_alarm');
    expect(alarms?.get('switching')).toBe(1);
    expect(alarms?.get('steady')).toBe(0);
  }, 240_000);

  it('a real Prometheus scrapes all four services: PromQL returns the drift gauges, every dashboard query evaluates', async () => {
    await prometheus!.waitForTargetsUp();
    const statistic = await prometheus!.query('max by (stream_group) (audio_concepts_drift_statistic)');
    expect(statistic.map((s) => s.metric.stream_group).sort()).toEqual(['steady', 'switching']);
    const alarm = await prometheus!.query('audio_concepts_drift_alarm == 1');
    expect(alarm.map((s) => s.metric.stream_group)).toEqual(['switching']);
    const problems: string[] = [];
    const empty: string[] = [];
    for (const { source, expr } of dashboardQueries(DASHBOARD)) {
      try {
        if ((await prometheus!.query(expr)).length === 0) empty.push(source);
      } catch (error) {
        problems.push(`${source}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    // rates need two scrapes a minute apart of a moving counter; the rest has data
    expect(empty.filter((source) => !/per second|prevalence|latency|Dead letters|Alerts firing/i.test(source))).toEqual(
      [],
    );
  }, 120_000);
});

/** What the detector said, for the record (not asserted beyond the tests above). */
async function report(alarm: DriftEvent): Promise<void> {
  const state = (await (
    await fetch(`${metricsUrl()}/live/state`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json()) as { groups: { streamGroup: string; driftHistory: { statistic: number; threshold: number }[] }[] };
  const peak = (group: string) => {
    const history = state.groups.find((g) => g.streamGroup === group)?.driftHistory ?? [];
    const top = history.reduce((best, p) => (p.statistic > best.statistic ? p : best), { statistic: 0, threshold: 0 });
    return `${top.statistic.toFixed(2)} (threshold ${top.threshold.toFixed(2)})`;
  };
  const lines = [
    '# watch.e2e: drift on the real stack',
    '',
    `reference: ${REFERENCE_WINDOWS} windows per group; steady-1 white noise throughout, switch-1 white noise for 42 windows then a 1 kHz tone`,
    `alarm: group ${alarm.streamGroup}, statistic ${alarm.statistic.toFixed(2)} > threshold ${alarm.threshold.toFixed(2)}, ` +
      `at watched frame ${alarm.frameIndex}; change point ${alarm.changeStreamId} window ${alarm.changeWindowSeq} (truth: 42)`,
    `changed: ${alarm.changed.map((c) => `${c.label} ${(c.referenceRate * 100).toFixed(0)} % → ${(c.currentRate * 100).toFixed(0)} % (q ${c.q.toExponential(1)})`).join('; ')}`,
    `largest statistic seen (10 s slots): steady ${peak('steady')}, switching ${peak('switching')}`,
  ];
  mkdirSync(join(REPO_ROOT, '.test-results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, '.test-results', 'watch-e2e.md'), `${lines.join('\n')}\n`);
}

/**
 * Waits until the metrics service has seen window `lastSeq` of both streams (its live state), then for one more
 * commit, so that the DriftEvents of those frames are readable.
 */
async function caughtUp(lastSeq: number): Promise<void> {
  const seqs = async () => {
    const response = await fetch(`${metricsUrl()}/live/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const state = (await response.json()) as { streams: { streamId: string; windowSeq: number }[] };
    return ['steady-1', 'switch-1'].map((id) => state.streams.find((s) => s.streamId === id)?.windowSeq);
  };
  await waitFor(
    async () => (await seqs()).every((seq) => seq === lastSeq),
    `the metrics service to see window ${lastSeq}`,
    120_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 2_500));
}

/** A random base port with `count` free ports from it. */
async function freePortRun(count: number): Promise<number> {
  const portFree = (p: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(p, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}
