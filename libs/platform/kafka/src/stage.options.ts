import { InvalidInputError } from '@audio-concepts/shared-errors';
import type { StageRule } from '@audio-concepts/platform-stage';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { MessageType } from './message.codec';
import type { Delivery } from './stage.producer';

export interface StageLogger {
  log(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface BatchStageOptions<In, Out> {
  /** from createKafka */
  kafka: Kafka;
  groupId: string;
  inputTopic: string;
  outputTopic: string;
  /** e.g. AudioWindow, 'audio_concepts.v1.AudioWindow' */
  input: MessageType<In>;
  inputTypeName: string;
  output: MessageType<Out>;
  outputTypeName: string;
  /** messages per process() call */
  maxBatch: number;
  /** how long a partial batch may wait for more messages */
  maxWaitMs: number;
  /** the stage's rule (its name names logs, metrics and the dead-letter header failed-stage) */
  rule: StageRule<In, Out>;
  /** prom-client registry for the stage's metrics (default: a registry of its own) */
  registry?: Registry;
  logger?: StageLogger;
  /** consumer session timeout: how soon a crashed member's partitions go to the others (default 30000 ms) */
  sessionTimeoutMs?: number;
  /** partitions whose fetched messages are gathered into the same micro-batches (default 8) */
  partitionsConsumedConcurrently?: number;
  /** first delay before a batch that failed retriably is redone; doubles up to 30 s (default 500 ms) */
  retryInitialMs?: number;
  /** exactly-once (default): outputs, dead letters and input offsets in one Kafka transaction; or at-least-once */
  delivery?: Delivery;
  /** names this instance in its transactional id (INSTANCE_ID; see `transactionalIdOf`) */
  instanceId?: string;
  /** how often the broker is asked for the group's lag (and whether it answers; default 5000 ms) */
  probeIntervalMs?: number;
}

export function checkOptions(options: BatchStageOptions<unknown, unknown>): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1)
    problems.push(`maxBatch must be a positive integer, got ${options.maxBatch}`);
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0)
    problems.push(`maxWaitMs must be a number ≥ 0, got ${options.maxWaitMs}`);
  if (!options.inputTopic) problems.push('inputTopic is empty');
  if (!options.outputTopic) problems.push('outputTopic is empty');
  if (options.inputTopic === options.outputTopic)
    problems.push(`inputTopic and outputTopic are both ${options.inputTopic}`);
  if (problems.length > 0) throw new InvalidInputError(`${options.rule.name} stage: ${problems.join('; ')}`);
}

export function consoleLogger(name: string): StageLogger {
  const line = (level: string, msg: string) => JSON.stringify({ level, context: name, message: msg });
  return {
    log: (msg) => console.log(line('log', msg)),
    warn: (msg) => console.warn(line('warn', msg)),
    error: (msg) => console.error(line('error', msg)),
  };
}
