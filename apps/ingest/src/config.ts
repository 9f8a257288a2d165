import { hostname } from 'node:os';
import { DEFAULTS, TOPICS, WIRE_FORMATS, type WireFormat } from '@audio-concepts/shared-contracts';
import { EnvReader } from '@audio-concepts/platform-runtime';
import { DEFAULT_BROKERS, kafkaSecurityProblems, MAX_MESSAGE_BYTES } from '@audio-concepts/platform-kafka';

/** The Nest injection token of the `IngestConfig`. */
export const INGEST_CONFIG = Symbol('INGEST_CONFIG');

/**
 * The default of INGEST_MAX_UPLOAD_S: an hour of audio, about 690 MB of 48 kHz float32 windows on Kafka — roughly
 * what the largest body (512 MiB of WAV) decodes to, so a compressed upload cannot put much more on Kafka than an
 * uncompressed one. Longer recordings go in several uploads to the same stream, which go on with its numbers.
 */
const DEFAULT_MAX_UPLOAD_S = 3_600;

/** The ingest service's configuration, from environment variables (README: "Configuration"). */
export interface IngestConfig {
  host: string;
  port: number;
  brokers: string[];
  clientId: string;
  /** the bearer token every request must present (INGEST_TOKEN or INGEST_TOKEN_FILE): 32+ random bytes (`tokenWeakness`) */
  token: string;
  windowS: number;
  hopS: number;
  /** how windows' PCM is written: v2 (float32 bytes) unless a consumer still needs v1 during an upgrade */
  wireFormat: WireFormat;
  maxUploadBytes: number;
  /** seconds of decoded audio one upload may bring */
  maxUploadS: number;
  /** seconds of audio per second of wall clock one stream may publish beyond a burst of maxUploadS */
  maxAudioRate: number;
  /** seconds without a byte after which an upload or live stream is ended */
  idleTimeoutS: number;
  /** requests per minute per token */
  rateLimit: number;
  /** a JSON file of pull sources, or undefined for none */
  sourcesPath: string | undefined;
  windowsTopic: string;
  /** the compacted topic of the streams' positions (INGEST_POSITIONS_TOPIC; default: `positionsTopicFor`) */
  positionsTopic: string;
  /** names this ingest in the position records it writes (INSTANCE_ID; default host and process id) */
  instanceId: string;
}

/**
 * The positions topic that goes with a windows topic: positions are window numbers in that topic, so an ingest
 * writing elsewhere (a test's `e2e.x.audio.windows.v1`) keeps its own (`e2e.x.audio.stream-positions.v1`).
 */
export function positionsTopicFor(windowsTopic: string): string {
  return windowsTopic.endsWith(TOPICS.windows)
    ? `${windowsTopic.slice(0, -TOPICS.windows.length)}${TOPICS.positions}`
    : `${windowsTopic}.positions`;
}

/** The longest window whose float32 PCM (4 bytes × 48 000 per second) still fits in a Kafka message, with room for the rest. */
const MAX_WINDOW_S = Math.floor((MAX_MESSAGE_BYTES * 0.95) / (4 * 48_000));

let cached: IngestConfig | undefined;

/** Parses the environment once (cached); throws one `ConfigError` listing every bad variable. */
export function ingestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  if (cached) return cached;
  const read = new EnvReader(env);
  const windowS = read.number('INGEST_WINDOW_S', DEFAULTS.windowS, { min: 0.001, max: MAX_WINDOW_S });
  const windowsTopic = read.string('INGEST_WINDOWS_TOPIC', TOPICS.windows);
  const config: IngestConfig = {
    host: read.string('HOST', '127.0.0.1'),
    port: read.int('PORT', 8080, { min: 0, max: 65_535 }),
    brokers: read.list('KAFKA_BROKERS', DEFAULT_BROKERS),
    clientId: read.string('KAFKA_CLIENT_ID', 'audio-concepts-ingest'),
    token: requiredToken(read),
    windowS,
    hopS: read.number('INGEST_HOP_S', windowS, { min: 0.001, max: 3_600 }),
    wireFormat: read.oneOf('WIRE_FORMAT', WIRE_FORMATS, 'v2'),
    maxUploadBytes: read.int('INGEST_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, { min: 1 }),
    maxUploadS: read.number('INGEST_MAX_UPLOAD_S', DEFAULT_MAX_UPLOAD_S, { min: 1, max: 86_400 }),
    maxAudioRate: read.number('INGEST_MAX_AUDIO_RATE', 10, { min: 1, max: 10_000 }),
    idleTimeoutS: read.number('INGEST_IDLE_TIMEOUT_S', 30, { min: 1, max: 3_600 }),
    rateLimit: read.int('INGEST_RATE_LIMIT', 600, { min: 1, max: 1_000_000 }),
    sourcesPath: read.string('INGEST_SOURCES'),
    windowsTopic,
    positionsTopic: read.string('INGEST_POSITIONS_TOPIC', positionsTopicFor(windowsTopic)),
    instanceId: read.string('INSTANCE_ID', `${hostname()}-${process.pid}`),
  };
  // Read again by createKafka: checked here so that their problems are listed with the rest, at start.
  for (const problem of kafkaSecurityProblems(env)) read.report(problem);
  read.check();
  cached = config;
  return config;
}

/** INGEST_TOKEN (or the file INGEST_TOKEN_FILE names): required, and at least 32 random bytes. */
function requiredToken(read: EnvReader): string {
  const token = read.token('INGEST_TOKEN');
  if (token === undefined) read.report('INGEST_TOKEN is not set (the bearer token clients must send)');
  return token ?? '';
}

/** Forgets the cached configuration (tests). */
export function resetIngestConfig(): void {
  cached = undefined;
}
