import { resolve } from 'node:path';
import { conceptSpaceStoreDir } from '@audio-concepts/decomposer-concepts';
import {
  DEFAULT_GRPC_LIMITS,
  DEFAULT_MAX_EMBEDDINGS_PER_REQUEST,
  type GrpcTls,
} from '@audio-concepts/decomposer-service';
import { EnvReader, isLoopback } from '@audio-concepts/platform-runtime';
import { CONSUMER_GROUPS, DEFAULTS, defaultCacheDir, StreamGroups, TOPICS } from '@audio-concepts/shared-contracts';
import { DEFAULT_BROKERS, DELIVERIES, kafkaSecurityProblems, type Delivery } from '@audio-concepts/platform-kafka';

/** What CONCEPT_SPACE must name, and how to make one. */
export const CONCEPT_SPACE_HINT =
  'the concept space to load: a directory or a space id in CONCEPT_SPACE_STORE; build one with ' +
  '`audio-concepts space build --model DIR --vocab NAME|FILE` (it prints the id)';

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
  /** DECOMPOSER_TOKEN (or _FILE): every gRPC call but health checks must carry it; undefined: no authentication */
  token: string | undefined;
  /** GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE: gRPC over TLS only; undefined: plaintext */
  grpcTls: GrpcTls | undefined;
  /** CONCEPT_SPACE: a space directory, or a space id (or unique id prefix) in `conceptSpaceStore` */
  conceptSpace: string;
  /** CONCEPT_SPACE_STORE: default `<AUDIO_CONCEPTS_CACHE or ~/.cache/audio-concepts>/spaces`, as the CLI's */
  conceptSpaceStore: string;
  /** default λ (requests with λ = 0, and the Kafka path) */
  lambda: number;
  /** at most this many concepts per frame, λ raised as needed (requests with max_concepts = 0, and the Kafka path); 0: no cap */
  maxConcepts: number;
  /** Lasso solver threads */
  threads: number;
  /** false: gRPC only (DECOMPOSER_KAFKA=off) */
  kafka: boolean;
  groupId: string;
  /** exactly-once (Kafka transactions) or at-least-once */
  delivery: Delivery;
  /** names this instance in its transactional id; stable across its restarts (a pod or stack service name) */
  instanceId: string | undefined;
  /** how soon the group moves a crashed decomposer's partitions to the others */
  sessionTimeoutMs: number;
  maxBatch: number;
  maxWaitMs: number;
  inputTopic: string;
  outputTopic: string;
  /** HEADS_TOPIC: the projection heads' control topic, followed from the beginning (Kafka path only) */
  headsTopic: string;
  /** STREAM_GROUPS: `glob=group` pairs (as the metrics service's METRICS_GROUPS); a head is live per group */
  streamGroups: StreamGroups;
  /** largest gRPC request and response (bytes) */
  grpcMaxMessageBytes: number;
  /** most embeddings in one Decompose request */
  grpcMaxEmbeddings: number;
  /** settings that are read no more but still set (TOP_K): logged at start */
  warnings: string[];
}

/**
 * Frames carry every non-zero concept since issue 10. TOP_K cut them to the K largest before: a deployment that
 * still sets it starts, and is told that it has no effect.
 */
function retiredTopK(env: NodeJS.ProcessEnv): string[] {
  const value = env['TOP_K']?.trim();
  if (value === undefined || value === '') return [];
  return [
    `TOP_K=${value} is ignored: frames carry every non-zero concept (l0 of them); choose how many to show where ` +
      "they are read (tag/tail --top, a Decompose request's top_k)",
  ];
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
    token: read.token('DECOMPOSER_TOKEN'),
    grpcTls: tlsOf(read.filePair('GRPC_TLS_CERT_FILE', 'GRPC_TLS_KEY_FILE')),
    conceptSpace: read.required('CONCEPT_SPACE', CONCEPT_SPACE_HINT),
    conceptSpaceStore: resolve(read.string('CONCEPT_SPACE_STORE', conceptSpaceStoreDir(defaultCacheDir(env)))),
    lambda: read.number('LAMBDA', DEFAULTS.lambda, { min: 1e-6, max: 1000 }),
    maxConcepts: read.int('MAX_CONCEPTS', 0, { min: 0, max: 1_000_000 }),
    threads: read.int('DECOMPOSER_THREADS', 1, { min: 1, max: 256 }),
    kafka: read.oneOf('DECOMPOSER_KAFKA', ['on', 'off'] as const, 'on') === 'on',
    groupId: read.string('DECOMPOSER_GROUP', CONSUMER_GROUPS.decomposer),
    delivery: read.oneOf('DELIVERY', DELIVERIES, 'exactly-once'),
    instanceId: read.string('INSTANCE_ID'),
    // The broker's group.min.session.timeout.ms is 6 s by default.
    sessionTimeoutMs: read.int('KAFKA_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 300_000 }),
    maxBatch: read.int('DECOMPOSER_MAX_BATCH', 32, { min: 1, max: 4096 }),
    maxWaitMs: read.int('DECOMPOSER_MAX_WAIT_MS', 50, { min: 0, max: 60_000 }),
    inputTopic: read.string('DECOMPOSER_INPUT_TOPIC', TOPICS.embeddings),
    outputTopic: read.string('DECOMPOSER_OUTPUT_TOPIC', TOPICS.concepts),
    headsTopic: read.string('HEADS_TOPIC', TOPICS.heads),
    streamGroups: new StreamGroups(),
    grpcMaxMessageBytes: read.int('GRPC_MAX_MESSAGE_BYTES', DEFAULT_GRPC_LIMITS.maxReceiveMessageBytes, {
      min: 1024,
      max: 2 ** 31 - 1,
    }),
    grpcMaxEmbeddings: read.int('GRPC_MAX_EMBEDDINGS', DEFAULT_MAX_EMBEDDINGS_PER_REQUEST, {
      min: 1,
      max: 1_000_000,
    }),
    warnings: retiredTopK(env),
  };
  try {
    config.streamGroups = StreamGroups.parse(env['STREAM_GROUPS'], 'STREAM_GROUPS');
  } catch (error) {
    read.report(error instanceof Error ? error.message : String(error));
  }
  // Read again by createKafka: checked here so that their problems are listed with the rest.
  for (const problem of kafkaSecurityProblems(env)) read.report(problem);
  const allowNoToken = read.oneOf('DECOMPOSER_ALLOW_NO_TOKEN', ['true', 'false'] as const, 'false') === 'true';
  if (config.token === undefined && !allowNoToken && !isLoopback(config.grpcHost))
    read.report(
      `DECOMPOSER_TOKEN is not set, but gRPC listens on ${config.grpcHost}, beyond this machine: set a token ` +
        '(openssl rand -base64 32), or DECOMPOSER_ALLOW_NO_TOKEN=true to serve without one',
    );
  read.check();
  return config;
}

function tlsOf(pair: [Buffer, Buffer] | undefined): GrpcTls | undefined {
  return pair && { certChain: pair[0], privateKey: pair[1] };
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
