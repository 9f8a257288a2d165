import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import { Registry } from 'prom-client';
import { processOrFail, type StageRule } from '@audio-concepts/platform-stage';
import { backoffDelayMs, retry, sleep } from '@audio-concepts/platform-retry';
import { createConsumer } from './consumer.settings';
import { deadLetterMessage, deadLetterTopicOf, type SourceMessage } from './dead-letter';
import { ProducedSeqs } from './dedupe';
import { MAX_MESSAGE_BYTES } from './kafka.settings';
import { MicroBatcher } from './micro-batcher';
import { decodeMessage, encodeMessage, MessageDecodeError, type MessageType } from './message.codec';
import { sendInOrder, type OutgoingMessage } from './ordered-send';
import { describeError, isRetriable, MessageTooLargeError, StageStoppedError } from './stage.errors';
import { StageMetrics } from './stage.metrics';

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
}

/** A consumed message, decoded, or the reason it cannot be (it goes to the dead-letter topic as it is). */
interface Item<In> {
  source: SourceMessage;
  input?: In;
  key?: string;
  seq?: number;
  error?: unknown;
}

interface Failed<In> {
  item: Item<In>;
  error: unknown;
}

const RETRY_MAX_MS = 30_000;
const START_RETRY_INITIAL_MS = 1_000;
/** How often a partition waiting for its micro-batch heartbeats (kafkajs sends one per heartbeatInterval at most). */
const HEARTBEAT_TICK_MS = 1_000;
const OUTPUT_HEADERS = { 'content-type': 'application/x-protobuf' };

/**
 * A Kafka consumer-group stage (DESIGN §2): consumes `inputTopic`, hands micro-batches of decoded messages to
 * `process`, produces one output per input to `outputTopic` (key = stream id), and commits offsets only after
 * the outputs are acknowledged (at-least-once). Poison — an undecodable or oversized message, an Error result,
 * a batch that fails for good — goes to `<inputTopic>.dlq` with the error in headers; a batch that fails
 * retriably, or whose outputs cannot be sent, is redone with backoff (nothing committed meanwhile: the partition
 * waits rather than loses messages). Inputs whose (stream, seq) already produced output are skipped.
 */
export class BatchStage<In, Out> {
  private readonly name: string;
  private readonly logger: StageLogger;
  private readonly metrics: StageMetrics;
  private readonly produced = new ProducedSeqs();
  private readonly batcher: MicroBatcher<Item<In>>;
  private readonly deadLetterTopic: string;
  private readonly stopSignal = new AbortController();
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private state: true | string = 'not started';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: BatchStageOptions<In, Out>) {
    this.name = options.rule.name;
    checkOptions(options);
    this.logger = options.logger ?? consoleLogger(this.name);
    this.metrics = new StageMetrics(this.name, options.registry ?? new Registry());
    this.deadLetterTopic = deadLetterTopicOf(options.inputTopic);
    this.batcher = new MicroBatcher({
      maxBatch: options.maxBatch,
      maxWaitMs: options.maxWaitMs,
      flush: (items) => this.flush(items),
    });
  }

  /** Connects the producer and the consumer, joins the group and starts consuming. Throws if it cannot; call again to retry. */
  start(): Promise<void> {
    if (this.stopping)
      return Promise.reject(new AudioConceptsError(`${this.name} stage was stopped; create a new one`));
    this.starting ??= this.connect().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * `start()` until it succeeds or `signal` aborts, with backoff (1 s doubling to 30 s): the broker may come up
   * after the service, and `readiness()` says why the stage is not consuming meanwhile.
   */
  async startWithRetry(signal: AbortSignal): Promise<void> {
    const { inputTopic, groupId, outputTopic, maxBatch, maxWaitMs } = this.options;
    const { name } = this;
    const started = await retry(() => this.start().then(() => true), {
      signal,
      initialMs: START_RETRY_INITIAL_MS,
      maxMs: RETRY_MAX_MS,
      onRetry: (error, delayMs) =>
        this.logger.warn(`${describeError(error).message}; trying again in ${(delayMs / 1000).toFixed(1)} s`),
    });
    if (started)
      this.logger.log(
        `${name}: consuming ${inputTopic} in group ${groupId} → ${outputTopic} ` +
          `(batches of up to ${maxBatch}, waiting at most ${maxWaitMs} ms)`,
      );
  }

  private async connect(): Promise<void> {
    const { kafka, groupId, inputTopic } = this.options;
    this.state = 'connecting to Kafka';
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      // The Java client's murmur2 partitioner, so a stream's outputs land where any Kafka client would put its key.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const consumer = createConsumer(kafka, { groupId, sessionTimeoutMs: this.options.sessionTimeoutMs });
    this.watch(consumer);
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topics: [inputTopic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 8,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      this.state = `cannot consume ${inputTopic}: ${describeError(error).message}`;
      await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
      throw new AudioConceptsError(
        `${this.name}: cannot start consuming ${inputTopic} in group ${groupId}: ${describeError(error).message}`,
        { retriable: true, cause: error },
      );
    }
    this.producer = producer;
    this.consumer = consumer;
  }

  /** Finishes the micro-batch in flight, commits what was produced, leaves the group and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopSignal.abort();
      this.batcher.drain();
      await this.starting?.catch(() => undefined);
      // kafkajs waits for the running eachBatch calls: they finish their chunk and commit, then start no other.
      await this.consumer?.disconnect().catch((error) => this.logger.warn(`consumer disconnect: ${error}`));
      await this.producer?.disconnect().catch((error) => this.logger.warn(`producer disconnect: ${error}`));
      this.state = 'stopped';
      this.logger.log(`${this.name}: stopped`);
    })();
    return this.stopping;
  }

  /** For Readiness.add: true once the consumer has joined its group (with or without partitions). */
  readiness(): true | string {
    return this.state;
  }

  private watch(consumer: Consumer): void {
    const { groupId, inputTopic } = this.options;
    const { name } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = payload.memberAssignment[inputTopic] ?? [];
      this.produced.retain(assigned);
      this.metrics.retainLag(assigned);
      this.state = true;
      this.logger.log(
        `${name}: joined group ${groupId} as ${payload.memberId}; partitions of ${inputTopic}: ` +
          `${assigned.length > 0 ? [...assigned].sort((a, b) => a - b).join(',') : 'none'}`,
      );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.state = `consumer crashed: ${payload.error.message}${payload.restart ? ' (restarting)' : ''}`;
      this.logger.error(`${name}: ${this.state}`);
    });
    consumer.on(consumer.events.REBALANCING, () => this.logger.log(`${name}: group ${groupId} is rebalancing`));
    consumer.on(consumer.events.STOP, () => {
      if (this.state === true) this.state = 'consumer stopped';
    });
  }

  /** One partition's fetched messages: in chunks of maxBatch, each committed once its outputs are acknowledged. */
  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    let heartbeatError: unknown;
    const ticker = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => (heartbeatError ??= error));
    }, HEARTBEAT_TICK_MS);
    try {
      for (let start = 0; start < batch.messages.length; start += this.options.maxBatch) {
        if (!payload.isRunning() || payload.isStale() || heartbeatError !== undefined) break;
        const chunk = batch.messages.slice(start, start + this.options.maxBatch);
        try {
          await this.batcher.add(chunk.map((message) => this.prepare({ topic, partition, message })));
        } catch (error) {
          if (error instanceof StageStoppedError) return; // not committed: the next owner redoes it
          throw error;
        }
        const last = chunk[chunk.length - 1].offset;
        const next = (BigInt(last) + 1n).toString();
        payload.resolveOffset(last);
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
        this.metrics.setLag(partition, Number(BigInt(batch.highWatermark) - BigInt(next)));
      }
    } finally {
      clearInterval(ticker);
    }
    // A rebalance (or a lost coordinator) seen by a heartbeat: kafkajs rejoins the group when eachBatch throws it.
    if (heartbeatError !== undefined) throw heartbeatError;
  }

  private prepare(source: SourceMessage): Item<In> {
    const { inputTypeName } = this.options;
    const value = source.message.value;
    try {
      if (value && value.length > MAX_MESSAGE_BYTES)
        throw new MessageTooLargeError(
          `${inputTypeName} message of ${value.length} bytes is larger than MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES})`,
          value.length,
          MAX_MESSAGE_BYTES,
        );
      checkMessageType(source.message.headers, inputTypeName);
      const input = decodeMessage(this.options.input, inputTypeName, value);
      const key = this.options.rule.keyOf(input);
      const seq = this.options.rule.seqOf(input);
      if (typeof key !== 'string' || key === '')
        throw new InvalidInputError(`${inputTypeName} at offset ${source.message.offset} has no stream id`);
      if (!Number.isSafeInteger(seq) || seq < 0)
        throw new InvalidInputError(
          `${inputTypeName} of stream ${JSON.stringify(key)} has window seq ${seq}, expected an integer ≥ 0`,
        );
      return { source, input, key, seq };
    } catch (error) {
      return { source, error };
    }
  }

  /** One micro-batch, redone after a retriable failure until it succeeds or the stage stops. */
  private async flush(items: Item<In>[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await this.processAndProduce(items);
        this.metrics.batchDuration.observe((performance.now() - started) / 1000);
        return;
      } catch (error) {
        const { type, message } = describeError(error);
        if (this.stopSignal.signal.aborted)
          throw new StageStoppedError(
            `${this.name} stopped while a batch of ${items.length} waited to be redone (${type}: ${message})`,
            { cause: error },
          );
        const delay = backoffDelayMs(attempt, this.options.retryInitialMs ?? 500, RETRY_MAX_MS);
        this.logger.warn(
          `${this.name}: a batch of ${items.length} failed (attempt ${attempt}): ${type}: ${message}; ` +
            `redoing it in ${delay} ms, nothing committed`,
        );
        await sleep(delay, this.stopSignal.signal);
      }
    }
  }

  /** Throws only what redoing the batch may cure (a retriable process() failure, a failed send). */
  private async processAndProduce(items: Item<In>[]): Promise<void> {
    const { outputTopic } = this.options;
    const { name } = this;
    const seen = new ProducedSeqs();
    const toProcess: Item<In>[] = [];
    const failed: Failed<In>[] = [];
    let duplicates = 0;
    for (const item of items) {
      if (item.error !== undefined) {
        failed.push({ item, error: item.error });
        continue;
      }
      const { partition } = item.source;
      const key = item.key as string;
      const seq = item.seq as number;
      if (this.produced.has(partition, key, seq) || seen.has(partition, key, seq)) {
        duplicates++;
        continue;
      }
      seen.record(partition, key, seq);
      toProcess.push(item);
    }

    const outputs: { item: Item<In>; message: Message }[] = [];
    if (toProcess.length > 0) {
      this.metrics.batchSize.observe(toProcess.length);
      const results = await this.process(toProcess.map((item) => item.input as In));
      toProcess.forEach((item, i) => {
        const result = results[i];
        if (result instanceof Error) failed.push({ item, error: result });
        else {
          try {
            outputs.push({ item, message: this.outputMessage(item, result) });
          } catch (error) {
            failed.push({ item, error });
          }
        }
      });
    }

    failed.sort((a, b) => compareOffsets(a.item.source, b.item.source));
    const outgoing: OutgoingMessage[] = [
      ...outputs.map(({ message }) => ({ topic: outputTopic, message })),
      ...failed.map(({ item, error }) => ({
        topic: this.deadLetterTopic,
        message: deadLetterMessage(item.source, error, name),
      })),
    ];
    if (outgoing.length > 0) await sendInOrder(this.producer as Producer, outgoing);

    for (const { item } of outputs) this.produced.record(item.source.partition, item.key as string, item.seq as number);
    for (const { item, error } of failed) this.logDeadLetter(item.source, error);
    this.metrics.count('ok', outputs.length);
    this.metrics.count('dead_lettered', failed.length);
    this.metrics.count('duplicate', duplicates);
  }

  /** process() with its failures sorted: retriable ones are thrown (redo), others become every input's error. */
  private process(inputs: In[]): Promise<Array<Out | Error>> {
    return processOrFail(this.options.rule, inputs, {
      isRetriable,
      onBatchFailure: (error, n) => {
        const { type, message } = describeError(error);
        this.logger.error(
          `${this.name}: a whole batch of ${n} failed (${type}: ${message}); dead-lettering each message`,
        );
      },
    });
  }

  private outputMessage(item: Item<In>, output: Out): Message {
    const { output: type, outputTypeName } = this.options;
    const value = encodeMessage(type, output);
    if (value.length > MAX_MESSAGE_BYTES)
      throw new MessageTooLargeError(
        `${outputTypeName} output of ${value.length} bytes is larger than MAX_MESSAGE_BYTES (${MAX_MESSAGE_BYTES})`,
        value.length,
        MAX_MESSAGE_BYTES,
      );
    return { key: item.key, value, headers: { ...OUTPUT_HEADERS, 'message-type': outputTypeName } };
  }

  private logDeadLetter(source: SourceMessage, error: unknown): void {
    const { type, message } = describeError(error);
    const key = source.message.key ? JSON.stringify(source.message.key.toString('utf8')) : 'null';
    this.logger.warn(
      `${this.name}: dead-lettered ${source.topic}[${source.partition}]@${source.message.offset} ` +
        `(key ${key}) to ${this.deadLetterTopic}: ${type}: ${message}`,
    );
  }
}

/** A message whose message-type header names another type is poison even if its bytes happen to decode. */
function checkMessageType(headers: IHeaders | undefined, expected: string): void {
  const header = headers?.['message-type'];
  if (header === undefined) return;
  const actual = (Array.isArray(header) ? header[0] : header)?.toString();
  if (actual !== undefined && actual !== expected)
    throw new MessageDecodeError(`message-type header is ${JSON.stringify(actual)}, expected ${expected}`, expected);
}

function compareOffsets(
  a: { partition: number; message: KafkaMessage },
  b: { partition: number; message: KafkaMessage },
) {
  if (a.partition !== b.partition) return a.partition - b.partition;
  const d = BigInt(a.message.offset) - BigInt(b.message.offset);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function checkOptions(options: BatchStageOptions<unknown, unknown>): void {
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

function consoleLogger(name: string): StageLogger {
  const line = (level: string, msg: string) => JSON.stringify({ level, context: name, message: msg });
  return {
    log: (msg) => console.log(line('log', msg)),
    warn: (msg) => console.warn(line('warn', msg)),
    error: (msg) => console.error(line('error', msg)),
  };
}
