import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage } from '@audio-concepts/platform-kafka';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import type { LaunchedService } from '@audio-concepts/platform-launcher';
import { AudioWindow, audioWindowWith } from '@audio-concepts/shared-contracts';
import { createTestKafka, createTopics, REPO_ROOT, startService, type PipelineTopics } from './harness';
import {
  DASHBOARD,
  dashboardQueries,
  ruleFiles,
  startPrometheus,
  type PrometheusServer,
  type Sample,
} from './support/prometheus';

/**
 * A real Prometheus (Debian's) scrapes the running services, which carry audio and one poisoned window, and
 * evaluates the repo's alert rules; then every query of the Grafana dashboard and every rule expression is
 * evaluated through Prometheus' HTTP API.
 */

const TOKEN = 'e2e-token-Rq7Lm2Vx9Kc4Bt6Nw1Hz8Jd3Fs5Gp0Ya-Ue_Io2Pq'; // ingest requires 32+ random bytes' worth
const EXAMPLES = join(REPO_ROOT, 'examples', 'audio');

/**
 * The metrics service's drift figures that have no sample in this test: no stream group collects its reference of
 * METRICS_REFERENCE_WINDOWS (20) here, and no alarm is raised (tests/src/watch.e2e.spec.ts sees them with data).
 * Every other query must return data.
 */
const METRICS_SERVICE_ONLY = [
  // the alarm annotation keeps only groups in alarm (== 1)
  'audio_concepts_drift_alarm',
  'audio_concepts_drift_statistic',
  'audio_concepts_drift_threshold',
  'audio_concepts_drift_alarms_total',
  'audio_concepts_drift_reference_updated_timestamp_seconds',
  'audio_concepts_drift_events_total',
];
const usesMetricsServiceOnly = (expr: string) =>
  METRICS_SERVICE_ONLY.some((name) => new RegExp(`\\b${name}(?:_bucket|_sum|_count)?\\b`).test(expr));

/** A started service and the Prometheus job that scrapes its /metrics. */
interface ScrapedService {
  job: string;
  service: LaunchedService & { baseUrl: string };
}

/**
 * The stack the dashboard is checked against, on `topics` with consumer groups of this run: one line per service
 * (the job name is the one the alert rules and the dashboard expect).
 */
async function startStack(topics: PipelineTopics, run: string): Promise<ScrapedService[]> {
  const scraped = (job: string) => (service: ScrapedService['service']) => ({ job, service });
  return Promise.all([
    startService('ingest', { INGEST_TOKEN: TOKEN, INGEST_WINDOWS_TOPIC: topics.windows }).then(scraped('ingest')),
    startService('encoder', {
      ENCODER_INPUT_TOPIC: topics.windows,
      ENCODER_OUTPUT_TOPIC: topics.embeddings,
      ENCODER_GROUP: `encoder-${run}`,
    }).then(scraped('encoder')),
    startService('decomposer', {
      DECOMPOSER_INPUT_TOPIC: topics.embeddings,
      DECOMPOSER_OUTPUT_TOPIC: topics.concepts,
      DECOMPOSER_GROUP: `decomposer-${run}`,
    }).then(scraped('decomposer')),
    startService('metrics', {
      METRICS_TOKEN: TOKEN,
      METRICS_INPUT_TOPIC: topics.concepts,
      METRICS_GROUP: `metrics-${run}`,
      METRICS_REFERENCE_WINDOWS: '20',
      ENCODER_GROUP: `encoder-${run}`,
      DECOMPOSER_GROUP: `decomposer-${run}`,
      ENCODER_INPUT_TOPIC: topics.windows,
      DECOMPOSER_INPUT_TOPIC: topics.embeddings,
      METRICS_PROBE_INTERVAL_MS: '1000',
    }).then(scraped('metrics')),
  ]);
}

/** Posts a file to ingest as `stream`; the number of windows it made. */
async function post(baseUrl: string, stream: string, file: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/streams/${stream}/audio`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
    body: readFileSync(file),
  });
  const body = (await response.json()) as { windows?: number };
  if (response.status !== 200 || typeof body.windows !== 'number')
    throw new Error(`POST ${stream}: ${response.status} ${JSON.stringify(body)}`);
  return body.windows;
}

/** A window with a NaN sample, straight onto the windows topic (ingest refuses such audio): the encoder dead-letters it. */
async function sendPoisonedWindow(kafka: Kafka, topic: string, stream: string): Promise<void> {
  const pcm = new Float32Array(10 * 48_000).fill(0.25);
  pcm[4_800] = NaN;
  const fields = { streamId: stream, windowSeq: 0, startMs: 0, durationMs: 10_000, sampleRate: 48_000 };
  const window = audioWindowWith({ ...fields, ingestedAtMs: Date.now() }, pcm);
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: stream,
          value: encodeMessage(AudioWindow, window),
          headers: { 'message-type': 'audio_concepts.v1.AudioWindow' },
        },
      ],
    });
  } finally {
    await producer.disconnect();
  }
}

const labelsOf = (samples: Sample[], ...names: string[]) =>
  samples.map((s) => names.map((name) => s.metric[name] ?? '').join('/')).sort();

describe('the Grafana dashboard and the alert rules against a real Prometheus scraping the services', () => {
  let kafka: Kafka;
  let admin: Admin;
  let stack: ScrapedService[] = [];
  let prometheus: PrometheusServer;
  let windows = 0;
  let topics: PipelineTopics;

  beforeAll(async () => {
    kafka = createTestKafka();
    admin = kafka.admin();
    await admin.connect();
    topics = await createTopics(admin, 2);
    stack = await startStack(topics, topics.windows.split('.')[1]);
    prometheus = await startPrometheus({
      name: 'prometheus-dashboard',
      targets: stack.map(({ job, service }) => ({ job, url: `${service.baseUrl}/metrics` })),
      ruleFiles: ruleFiles(),
    });
    await prometheus.waitForTargetsUp();
    const ingest = stack.find((s) => s.job === 'ingest')!.service;
    windows += await post(ingest.baseUrl, 'dashboard-siren', join(EXAMPLES, 'siren-then-beeps.wav'));
    windows += await post(ingest.baseUrl, 'dashboard-chirps', join(EXAMPLES, 'chirps-and-rumble.wav'));
    await sendPoisonedWindow(kafka, topics.windows, 'dashboard-poisoned');
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(stack.map(({ service }) => service.stop()));
    await admin?.disconnect();
  }, 60_000);

  it('scrapes every service, and a PromQL query returns their metrics', async () => {
    const up = await prometheus.query('up');
    expect(labelsOf(up, 'job')).toEqual(stack.map((s) => s.job).sort());
    expect(up.every((s) => s.value === 1)).toBe(true);
    const kafkaUp = await prometheus.query('{__name__=~"audio_concepts_(encoder|decomposer)_kafka_up"}');
    expect(labelsOf(kafkaUp, 'job')).toEqual(['decomposer', 'encoder']);
  });

  it('counts the audio through every stage, and the poisoned window as dead-lettered by the encoder', async () => {
    const counts = async () => {
      const totals = await Promise.all(
        [
          'audio_concepts_ingest_windows_total',
          'audio_concepts_encoder_messages_total{outcome="ok"}',
          'audio_concepts_decomposer_frames_total{transport="kafka"}',
          'audio_concepts_encoder_messages_total{outcome="dead_lettered"}',
        ].map(async (expr) => (await prometheus.query(`sum(${expr})`))[0]?.value ?? 0),
      );
      return totals.join(' ');
    };
    expect(windows).toBeGreaterThanOrEqual(2);
    const want = `${windows} ${windows} ${windows} 1`;
    await waitFor(async () => (await counts()) === want, `the counts ${want}`, 120_000, 500);
  }, 150_000);

  it("fires DeadLettersGrowing for the encoder's dead-lettered window (for: 1m)", async () => {
    const firing = () => prometheus.query('ALERTS{alertname="DeadLettersGrowing", alertstate="firing"}');
    await waitFor(async () => (await firing()).length > 0, 'DeadLettersGrowing to fire', 120_000, 1_000);
    const alerts = await firing();
    // the metrics service reads the dead-letter topic's end offsets: the alert names the topic
    expect(labelsOf(alerts, 'topic', 'severity')).toEqual([`${topics.windows}.dlq/warning`]);
  }, 150_000);

  it('evaluates every query of the dashboard without error; only metrics-service metrics may be empty', async () => {
    const queries = dashboardQueries(DASHBOARD);
    expect(queries.length).toBeGreaterThan(20);
    const problems: string[] = [];
    const empty: string[] = [];
    for (const { source, expr } of queries) {
      try {
        const result = await prometheus.query(expr);
        if (result.length > 0) continue;
        if (usesMetricsServiceOnly(expr)) empty.push(source);
        else problems.push(`${source}: no data from ${expr}`);
      } catch (error) {
        problems.push(`${source}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    // what the services here do export shows: the lag (from the stages' own gauges) and the dead letters by stage
    const withData = queries.filter((q) => !empty.includes(q.source)).map((q) => q.source);
    expect(withData).toContain('panel "Consumer lag per group" A');
    expect(withData).toContain('panel "Dead letters" B');
    expect(withData).toContain('annotation "Alerts firing"');
  }, 60_000);

  it('evaluates every rule without error, and only the expected alerts are pending or firing', async () => {
    const rules = await prometheus.waitForRulesEvaluated();
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    for (const rule of rules) await prometheus.query(rule.query); // throws with Prometheus' error text
    const lag = await prometheus.query('audio_concepts:consumer_lag_messages');
    // from the metrics service, which reads every stage's group (its own included)
    expect(labelsOf(lag, 'consumer_group').map((group) => group.split('-')[0])).toEqual([
      'decomposer',
      'encoder',
      'metrics',
    ]);
    // besides the dead letter sent: a service the stack does not run has no target (pending, for: 5m)
    const missing = ['ingest', 'encoder', 'decomposer', 'metrics'].filter((job) => !stack.some((s) => s.job === job));
    const alerts = await prometheus.query('ALERTS');
    expect(labelsOf(alerts, 'alertname', 'topic', 'job')).toEqual(
      [`DeadLettersGrowing/${topics.windows}.dlq/`, ...missing.map((job) => `ServiceTargetMissing//${job}`)].sort(),
    );
  });

  it('raises ServiceDown for a service that stops answering', async () => {
    await stack.find((s) => s.job === 'ingest')!.service.stop();
    const serviceDown = () => prometheus.query('ALERTS{alertname="ServiceDown"}');
    await waitFor(async () => (await serviceDown()).length > 0, 'ServiceDown (pending)', 30_000, 500);
    const alerts = await serviceDown();
    expect(labelsOf(alerts, 'job', 'alertstate', 'severity')).toEqual(['ingest/pending/critical']);
  }, 60_000);
});
