import { DEFAULT_BROKERS, kafkaSecurityProblems } from '@audio-concepts/platform-kafka';
import { EnvReader, isLoopback } from '@audio-concepts/platform-runtime';
import { type DriftSettings, type WatchedGroup } from '@audio-concepts/metrics-service';
import { CONSUMER_GROUPS, StreamGroups, TOPICS } from '@audio-concepts/shared-contracts';

/** Injection token of the `MetricsConfig`. */
export const METRICS_CONFIG = Symbol('METRICS_CONFIG');

/** The metrics service's settings, from environment variables (apps/metrics/README.md). */
export interface MetricsConfig {
  brokers: string[];
  kafkaClientId: string;
  host: string;
  port: number;
  /** METRICS_TOKEN (or _FILE): the live page and its data want it; undefined: open (loopback only) */
  token: string | undefined;
  groupId: string;
  instanceId: string | undefined;
  sessionTimeoutMs: number;
  framesTopic: string;
  driftTopic: string;
  stateTopic: string;
  streamGroups: StreamGroups;
  drift: DriftSettings;
  /** METRICS_REFERENCE_DIR: `<group>.json` references saved by `audio-concepts drift --save-reference` */
  referenceDir: string | undefined;
  topConcepts: number;
  commitIntervalMs: number;
  probeIntervalMs: number;
  /** the stages whose consumer lag is exported */
  watchedGroups: WatchedGroup[];
  /** topics whose end offsets are exported (each with its dead-letter topic) */
  watchedTopics: string[];
}

export function readMetricsConfig(env: NodeJS.ProcessEnv): MetricsConfig {
  const read = new EnvReader(env);
  const host = read.string('HOST', '127.0.0.1');
  let streamGroups = new StreamGroups();
  try {
    streamGroups = StreamGroups.parse(env.METRICS_GROUPS);
  } catch (error) {
    read.report((error as Error).message);
  }
  const halfLife = read.string('METRICS_HALF_LIFE_WINDOWS');
  const groupId = read.string('METRICS_GROUP', 'audio-concepts-metrics');
  const framesTopic = read.string('METRICS_INPUT_TOPIC', TOPICS.concepts);
  // the stages' topics as they are configured (the same variables as the stages read)
  const windowsTopic = read.string('ENCODER_INPUT_TOPIC', TOPICS.windows);
  const embeddingsTopic = read.string('DECOMPOSER_INPUT_TOPIC', TOPICS.embeddings);
  const pipelineTopics = [windowsTopic, embeddingsTopic, framesTopic];
  const driftTopic = read.string('METRICS_DRIFT_TOPIC', TOPICS.drift);
  const config: MetricsConfig = {
    brokers: read.list('KAFKA_BROKERS', DEFAULT_BROKERS),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'audio-concepts-metrics'),
    host,
    port: read.int('PORT', 8083, { min: 0, max: 65535 }),
    token: read.token('METRICS_TOKEN'),
    groupId,
    instanceId: read.string('INSTANCE_ID'),
    sessionTimeoutMs: read.int('KAFKA_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 300_000 }),
    framesTopic,
    driftTopic,
    stateTopic: read.string('METRICS_STATE_TOPIC', TOPICS.metricsState),
    streamGroups,
    drift: {
      referenceWindows: read.int('METRICS_REFERENCE_WINDOWS', 2000, { min: 20, max: 100_000 }),
      falseAlarmsPerDay: read.number('METRICS_FALSE_ALARMS_PER_DAY', 1, { min: 1e-6, max: 10_000 }),
      ...(halfLife !== undefined
        ? { halfLifeWindows: read.number('METRICS_HALF_LIFE_WINDOWS', 30, { min: 1, max: 100_000 }) }
        : {}),
    },
    referenceDir: read.string('METRICS_REFERENCE_DIR'),
    topConcepts: read.int('METRICS_TOP_CONCEPTS', 20, { min: 1, max: 1000 }),
    commitIntervalMs: read.int('METRICS_COMMIT_INTERVAL_MS', 5_000, { min: 100, max: 600_000 }),
    probeIntervalMs: read.int('METRICS_PROBE_INTERVAL_MS', 5_000, { min: 100, max: 600_000 }),
    watchedGroups: [
      { consumerGroup: read.string('ENCODER_GROUP', CONSUMER_GROUPS.encoder), topic: windowsTopic },
      { consumerGroup: read.string('DECOMPOSER_GROUP', CONSUMER_GROUPS.decomposer), topic: embeddingsTopic },
      { consumerGroup: groupId, topic: framesTopic },
    ],
    watchedTopics: [...pipelineTopics, ...pipelineTopics.map((t) => `${t}.dlq`), driftTopic],
  };
  for (const problem of kafkaSecurityProblems(env)) read.report(problem);
  const allowNoToken = read.oneOf('METRICS_ALLOW_NO_TOKEN', ['true', 'false'] as const, 'false') === 'true';
  if (config.token === undefined && !(allowNoToken && isLoopback(host)))
    read.report(
      'METRICS_TOKEN is not set (the live page and its data want it; `stack up` gives it the ingest token); ' +
        'METRICS_ALLOW_NO_TOKEN=true serves without one, on a loopback HOST only',
    );
  read.check();
  return config;
}

let cached: MetricsConfig | undefined;

export function metricsConfig(): MetricsConfig {
  cached ??= readMetricsConfig(process.env);
  return cached;
}
