import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_GRPC_LIMITS, DEFAULT_MAX_EMBEDDINGS_PER_REQUEST } from '@audio-concepts/decomposer-service';
import { EnvReader } from '@audio-concepts/platform-runtime';
import { TOPICS } from '@audio-concepts/shared-contracts';
import { DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';

/** The demo model built by `npm run build` (tools/demo-model): the default MODEL_DIR. */
export const DEMO_MODEL_DIR = resolve(__dirname, '..', '..', '..', 'models', 'clap-demo');

/** Injection token of the `DecomposerConfig`. */
export const DECOMPOSER_CONFIG = Symbol('DECOMPOSER_CONFIG');

/** The decomposer's settings, from environment variables (README: "Configuration"). */
export interface DecomposerConfig {
  brokers: string[];
  kafkaClientId: string;
  /** HTTP (health, readiness, metrics) */
  host: string;
  port: number;
  grpcHost: string;
  grpcPort: number;
  modelDir: string;
  /** 'demo', 'audioset' or a file; undefined: 'demo' for the demo model, else 'audioset' */
  vocab: string | undefined;
  device: 'auto' | 'cpu' | 'cuda';
  cacheDir: string;
  /** default λ (requests with λ = 0, and the Kafka path) */
  lambda: number;
  /** default concepts per frame */
  topK: number;
  /** Lasso solver threads */
  threads: number;
  /** false: gRPC only (DECOMPOSER_KAFKA=off) */
  kafka: boolean;
  groupId: string;
  maxBatch: number;
  maxWaitMs: number;
  inputTopic: string;
  outputTopic: string;
  /** largest gRPC request and response (bytes) */
  grpcMaxMessageBytes: number;
  /** most embeddings in one Decompose request */
  grpcMaxEmbeddings: number;
}

/** Parses the environment, listing every bad variable in one ConfigError. */
export function readDecomposerConfig(env: NodeJS.ProcessEnv): DecomposerConfig {
  const read = new EnvReader(env);
  const host = read.string('HOST', '127.0.0.1');
  const config: DecomposerConfig = {
    brokers: read.list('KAFKA_BROKERS', DEFAULT_BROKERS),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'audio-concepts-decomposer'),
    host,
    port: read.int('PORT', 8082, { min: 0, max: 65535 }),
    grpcHost: read.string('GRPC_HOST', host),
    grpcPort: read.int('GRPC_PORT', 50051, { min: 0, max: 65535 }),
    modelDir: resolve(read.string('MODEL_DIR', DEMO_MODEL_DIR)),
    vocab: read.string('VOCAB'),
    device: read.oneOf('DEVICE', ['auto', 'cpu', 'cuda'] as const, 'cpu'),
    cacheDir: read.string(
      'CACHE_DIR',
      read.string('AUDIO_CONCEPTS_CACHE', join(homedir(), '.cache', 'audio-concepts')),
    ),
    lambda: read.number('LAMBDA', 0.15, { min: 1e-6, max: 1000 }),
    topK: read.int('TOP_K', 5, { min: 1, max: 100_000 }),
    threads: read.int('DECOMPOSER_THREADS', 1, { min: 1, max: 256 }),
    kafka: read.oneOf('DECOMPOSER_KAFKA', ['on', 'off'] as const, 'on') === 'on',
    groupId: read.string('DECOMPOSER_GROUP', 'audio-concepts-decomposer'),
    maxBatch: read.int('DECOMPOSER_MAX_BATCH', 32, { min: 1, max: 4096 }),
    maxWaitMs: read.int('DECOMPOSER_MAX_WAIT_MS', 50, { min: 0, max: 60_000 }),
    inputTopic: read.string('DECOMPOSER_INPUT_TOPIC', TOPICS.embeddings),
    outputTopic: read.string('DECOMPOSER_OUTPUT_TOPIC', TOPICS.concepts),
    grpcMaxMessageBytes: read.int('GRPC_MAX_MESSAGE_BYTES', DEFAULT_GRPC_LIMITS.maxReceiveMessageBytes, {
      min: 1024,
      max: 2 ** 31 - 1,
    }),
    grpcMaxEmbeddings: read.int('GRPC_MAX_EMBEDDINGS', DEFAULT_MAX_EMBEDDINGS_PER_REQUEST, {
      min: 1,
      max: 1_000_000,
    }),
  };
  read.check();
  return config;
}

let cached: DecomposerConfig | undefined;

/** The process's configuration, parsed once. */
export function decomposerConfig(): DecomposerConfig {
  cached ??= readDecomposerConfig(process.env);
  return cached;
}

/** Forgets the parsed configuration (tests). */
export function resetDecomposerConfig(): void {
  cached = undefined;
}
