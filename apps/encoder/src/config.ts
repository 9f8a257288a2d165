import { resolve } from 'node:path';
import { EnvReader } from '@audio-concepts/platform-runtime';
import {
  CONSUMER_GROUPS,
  DEFAULTS,
  DEMO_MODEL_DIR,
  TOPICS,
  WIRE_FORMATS,
  type WireFormat,
} from '@audio-concepts/shared-contracts';
import { DEFAULT_BROKERS, DELIVERIES, kafkaSecurityProblems, type Delivery } from '@audio-concepts/platform-kafka';

/** Injection token of the `EncoderConfig`. */
export const ENCODER_CONFIG = Symbol('ENCODER_CONFIG');

/** The encoder's settings, from environment variables (the service contract). */
export interface EncoderConfig {
  brokers: string[];
  kafkaClientId: string;
  /** HTTP (health, readiness, metrics) */
  host: string;
  port: number;
  modelDir: string;
  device: 'auto' | 'cpu' | 'cuda';
  /** onnxruntime intra-op threads; undefined: onnxruntime's choice (one per physical core) */
  threads: number | undefined;
  groupId: string;
  /** exactly-once (Kafka transactions) or at-least-once */
  delivery: Delivery;
  /** names this instance in its transactional id; stable across its restarts (a pod or stack service name) */
  instanceId: string | undefined;
  maxBatch: number;
  maxWaitMs: number;
  inputTopic: string;
  outputTopic: string;
  /** how soon the group moves a crashed encoder's partitions to the others */
  sessionTimeoutMs: number;
  /** how embeddings are written: v2 (float32 bytes) unless a consumer still needs v1 during an upgrade */
  wireFormat: WireFormat;
}

/** Parses the environment, listing every bad variable in one ConfigError. */
export function readEncoderConfig(env: NodeJS.ProcessEnv): EncoderConfig {
  const read = new EnvReader(env);
  const threads = read.string('ENCODER_THREADS');
  const config: EncoderConfig = {
    brokers: read.list('KAFKA_BROKERS', DEFAULT_BROKERS),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'audio-concepts-encoder'),
    host: read.string('HOST', '127.0.0.1'),
    port: read.int('PORT', 8081, { min: 0, max: 65535 }),
    modelDir: resolve(read.string('MODEL_DIR', DEMO_MODEL_DIR)),
    device: read.oneOf('DEVICE', ['auto', 'cpu', 'cuda'] as const, 'auto'),
    threads: threads === undefined ? undefined : read.int('ENCODER_THREADS', 1, { min: 1, max: 256 }),
    groupId: read.string('ENCODER_GROUP', CONSUMER_GROUPS.encoder),
    delivery: read.oneOf('DELIVERY', DELIVERIES, 'exactly-once'),
    instanceId: read.string('INSTANCE_ID'),
    maxBatch: read.int('ENCODER_MAX_BATCH', DEFAULTS.encoderBatch, { min: 1, max: 1024 }),
    maxWaitMs: read.int('ENCODER_MAX_WAIT_MS', 50, { min: 0, max: 60_000 }),
    inputTopic: read.string('ENCODER_INPUT_TOPIC', TOPICS.windows),
    outputTopic: read.string('ENCODER_OUTPUT_TOPIC', TOPICS.embeddings),
    // The broker's group.min.session.timeout.ms is 6 s by default.
    sessionTimeoutMs: read.int('KAFKA_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 300_000 }),
    wireFormat: read.oneOf('WIRE_FORMAT', WIRE_FORMATS, 'v2'),
  };
  // Read again by createKafka: checked here so that their problems are listed with the rest, before the model loads.
  for (const problem of kafkaSecurityProblems(env)) read.report(problem);
  read.check();
  return config;
}

let cached: EncoderConfig | undefined;

/** The process's configuration, parsed once. */
export function encoderConfig(): EncoderConfig {
  cached ??= readEncoderConfig(process.env);
  return cached;
}

/** Forgets the parsed configuration (tests). */
export function resetEncoderConfig(): void {
  cached = undefined;
}
