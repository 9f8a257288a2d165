import { join, resolve } from 'node:path';
import { DEFAULT_BROKERS, kafkaSecurityProblems } from '@audio-concepts/platform-kafka';
import { EnvReader, isLoopback } from '@audio-concepts/platform-runtime';
import { defaultCacheDir, TOPICS } from '@audio-concepts/shared-contracts';

/** Injection token of the `TrainerConfig`. */
export const TRAINER_CONFIG = Symbol('TRAINER_CONFIG');

/** The trainer's settings, from environment variables (README: "The trainer service"). */
export interface TrainerConfig {
  brokers: string[];
  kafkaClientId: string;
  host: string;
  port: number;
  /** TRAINER_TOKEN (or _FILE): every /v1 route wants it; undefined: open (loopback only, TRAINER_ALLOW_NO_TOKEN) */
  token: string | undefined;
  /** TRAINER_DATA_DIR: the folder job requests name their .npy files in (nothing outside it is read) */
  dataDir: string;
  /** TRAINER_HEADS_DIR: trained heads, one directory per head id (default <cache>/heads) */
  headsDir: string;
  /** HEADS_TOPIC: control.heads.v1 */
  headsTopic: string;
  /** TRAINER_THREADS: onnxruntime GEMM threads (default: all cores) */
  threads: number | undefined;
}

export function readTrainerConfig(env: NodeJS.ProcessEnv): TrainerConfig {
  const read = new EnvReader(env);
  const host = read.string('HOST', '127.0.0.1');
  const config: TrainerConfig = {
    brokers: read.list('KAFKA_BROKERS', DEFAULT_BROKERS),
    kafkaClientId: read.string('KAFKA_CLIENT_ID', 'audio-concepts-trainer'),
    host,
    port: read.int('PORT', 8084, { min: 0, max: 65535 }),
    token: read.token('TRAINER_TOKEN'),
    dataDir: resolve(read.required('TRAINER_DATA_DIR', 'the folder the training requests name their .npy files in')),
    headsDir: resolve(read.string('TRAINER_HEADS_DIR', join(defaultCacheDir(env), 'heads'))),
    headsTopic: read.string('HEADS_TOPIC', TOPICS.heads),
    threads: env['TRAINER_THREADS'] === undefined ? undefined : read.int('TRAINER_THREADS', 1, { min: 1, max: 256 }),
  };
  for (const problem of kafkaSecurityProblems(env)) read.report(problem);
  const allowNoToken = read.oneOf('TRAINER_ALLOW_NO_TOKEN', ['true', 'false'] as const, 'false') === 'true';
  if (config.token === undefined && !(allowNoToken && isLoopback(host)))
    read.report(
      'TRAINER_TOKEN is not set (training jobs and activations want it; `stack up` gives it the ingest token); ' +
        'TRAINER_ALLOW_NO_TOKEN=true serves without one, on a loopback HOST only',
    );
  read.check();
  return config;
}

let cached: TrainerConfig | undefined;

export function trainerConfig(): TrainerConfig {
  cached ??= readTrainerConfig(process.env);
  return cached;
}
