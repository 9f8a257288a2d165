import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import type { Consumer, EachBatchPayload, Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { processOrFail } from '@audio-concepts/platform-stage';
import { backoffDelayMs, retry, sleep } from '@audio-concepts/platform-retry';
import {
  checkMessageType,
  compareOffsets,
  consumedOffsets,
  isRefusedMessage,
  MAX_STREAM_ID_CHARS,
  sortOut,
  type Failed,
  type Item,
} from './batch.items';
import { BrokerProbe } from './broker.probe';
import { createConsumer } from './consumer.settings';
import { deadLetterMessage, deadLetterTopicOf, shownKey, type SourceMessage } from './dead-letter';
import { ProducedSeqs } from './dedupe';
import { MAX_MESSAGE_BYTES } from './kafka.settings';
import { MicroBatcher } from './micro-batcher';
import { decodeMessage, encodeMessage } from './message.codec';
import type { OutgoingMessage } from './ordered-send';
import {
  BatchRedoError,
  boundText,
  describeError,
  isRetriable,
  MessageTooLargeError,
  StageStoppedError,
} from './stage.errors';
import { StageMetrics } from './stage.metrics';
import { checkOptions, consoleLogger, type BatchStageOptions, type StageLogger } from './stage.options';
import { StageProducer, transactionalIdOf, type ConsumedOffsets } from './stage.producer';

export type { BatchStageOptions, StageLogger } from './stage.options';

const RETRY_MAX_MS = 30_000;
const START_RETRY_INITIAL_MS = 1_000;
const PROBE_INTERVAL_MS = 5_000;
/** How often a partition waiting for its micro-batch heartbeats (kafkajs sends one per heartbeatInterval at most). */
const HEARTBEAT_TICK_MS = 1_000;
const OUTPUT_HEADERS = { 'content-type': 'application/x-protobuf' };

/**
 * A Kafka consumer-group stage (DESIGN §2): consumes `inputTopic` (committed messages only), hands micro-batches
 * of decoded messages to `process`, produces one output per input to `outputTopic` (key = stream id).
 * Exactly-once (default): each micro-batch's outputs, dead letters and input offsets are one transaction.
 * At-least-once: offsets are committed after the outputs are acknowledged. Poison — an undecodable or oversized
 * message, an Error result, outputs the broker refuses, a batch that fails for good — goes to `<inputTopic>.dlq`
 * with the error in headers (a copy cut to fit the topic's limit). A batch that fails otherwise (a broker outage,
 * a rebalance) is fetched again from the committed offsets after a backoff: the partition waits rather than loses
 * messages, and readiness says why. An input that repeats a (stream, seq) already produced is dead-lettered as a
 * duplicate rather than dropped, so a renumbered stream is never lost silently.
 */
export class BatchStage<In, Out> {
  private readonly name: string;
  private readonly logger: StageLogger;
  private readonly metrics: StageMetrics;
  private readonly produced = new ProducedSeqs();
  private readonly batcher: MicroBatcher<Item<In>>;
  private readonly deadLetterTopic: string;
  private readonly stopSignal = new AbortController();
  private readonly probe: BrokerProbe;
  private producer: StageProducer | undefined;
  private consumer: Consumer | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  /** per topic (output, dead-letter), the largest message it accepts */
  private messageLimits = new Map<string, number>();
  /** changes when the group's membership does (a join, a rebalance, a failed heartbeat): a batch started in an
   * older generation is not committed, its partitions may be another member's now */
  private generation = 0;
  /** consecutive failed batches; while there are any, since when and the last reason (for readiness) */
  private failureStreak = 0;
  private stalled: { since: string; reason: string } | undefined;
  private state: true | string = 'not started';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: BatchStageOptions<In, Out>) {
    this.name = options.rule.name;
    checkOptions(options);
    this.logger = options.logger ?? consoleLogger(this.name);
    this.metrics = new StageMetrics(this.name, options.registry ?? new Registry());
    this.deadLetterTopic = deadLetterTopicOf(options.inputTopic);
    this.probe = new BrokerProbe(options.kafka, options.groupId, options.inputTopic);
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
          `(batches of up to ${maxBatch}, waiting at most ${maxWaitMs} ms; ${this.options.delivery ?? 'exactly-once'})`,
      );
  }

  private async connect(): Promise<void> {
    const { kafka, groupId, inputTopic, outputTopic } = this.options;
    this.state = 'connecting to Kafka';
    const producer = new StageProducer(kafka, {
      delivery: this.options.delivery ?? 'exactly-once',
      transactionalId: transactionalIdOf(groupId, this.options.instanceId),
      groupId,
    });
    const consumer = createConsumer(kafka, { groupId, sessionTimeoutMs: this.options.sessionTimeoutMs });
    this.watch(consumer);
    try {
      this.messageLimits = await this.probe.messageLimits([outputTopic, this.deadLetterTopic]);
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
      await Promise.allSettled([consumer.disconnect(), producer.disconnect(), this.probe.disconnect()]);
      throw new AudioConceptsError(
        `${this.name}: cannot start consuming ${inputTopic} in group ${groupId}: ${describeError(error).message}`,
        { retriable: true, cause: error },
      );
    }
    this.producer = producer;
    this.consumer = consumer;
    this.startProbing();
  }

  /** Asks the broker for the group's lag on a timer: metrics and readiness read true even while no batch runs. */
  private startProbing(): void {
    const probeOnce = async () => {
      await this.probe.probe();
      this.metrics.setProbe(this.options.groupId, this.probe.reachable() === true ? this.probe.lag : undefined);
    };
    void probeOnce();
    this.probeTimer = setInterval(() => void probeOnce(), this.options.probeIntervalMs ?? PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  /** Finishes the micro-batch in flight, commits what was produced, leaves the group and disconnects. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopSignal.abort();
      clearInterval(this.probeTimer);
      this.batcher.drain();
      await this.starting?.catch(() => undefined);
      // kafkajs waits for the running eachBatch calls: they finish their chunk and commit, then start no other.
      await this.consumer?.disconnect().catch((error) => this.logger.warn(`consumer disconnect: ${error}`));
      await this.producer?.disconnect().catch((error) => this.logger.warn(`producer disconnect: ${error}`));
      await this.probe.disconnect();
      this.state = 'stopped';
      this.logger.log(`${this.name}: stopped`);
    })();
    return this.stopping;
  }

  /**
   * For Readiness.add: true once the consumer has joined its group (with or without partitions), while the broker
   * answers the stage's probes and no batch is failing; otherwise why not.
   */
  readiness(): true | string {
    if (this.state !== true) return this.state;
    const reachable = this.probe.reachable();
    if (reachable !== true) return reachable;
    return this.stalled ? `batches failing since ${this.stalled.since} (last: ${this.stalled.reason})` : true;
  }

  /** The consumer group's lag per partition at the last probe (from the broker). */
  get lag() {
    return this.probe.lag;
  }

  private watch(consumer: Consumer): void {
    const { groupId, inputTopic } = this.options;
    const { name } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.generation++;
      const assigned = payload.memberAssignment[inputTopic] ?? [];
      this.produced.retain(assigned);
      this.stalled = undefined; // a failed batch is fetched again by whoever owns its partition now
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
    consumer.on(consumer.events.REBALANCING, () => {
      this.generation++;
      this.logger.log(`${name}: group ${groupId} is rebalancing`);
    });
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
      payload.heartbeat().catch((error: unknown) => {
        heartbeatError ??= error;
        this.generation++; // a batch in flight must not commit: this member may have lost its partitions
      });
    }, HEARTBEAT_TICK_MS);
    try {
      for (let start = 0; start < batch.messages.length; start += this.options.maxBatch) {
        if (!payload.isRunning() || payload.isStale() || heartbeatError !== undefined) break;
        const chunk = batch.messages.slice(start, start + this.options.maxBatch);
        try {
          await this.batcher.add(chunk.map((message) => this.prepare({ topic, partition, message })));
        } catch (error) {
          // Not committed: fetched again from the committed offset (by this member or the partition's next owner).
          if (error instanceof StageStoppedError || error instanceof BatchRedoError) return;
          throw error;
        }
        const last = chunk[chunk.length - 1].offset;
        payload.resolveOffset(last);
        if (!this.producer?.exactlyOnce) {
          const next = (BigInt(last) + 1n).toString();
          await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
        }
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
      if (key.length > MAX_STREAM_ID_CHARS)
        throw new InvalidInputError(
          `${inputTypeName} at offset ${source.message.offset} has a stream id of ${key.length} characters ` +
            `(${JSON.stringify(key.slice(0, 40))}…); at most ${MAX_STREAM_ID_CHARS} are allowed`,
        );
      if (!Number.isSafeInteger(seq) || seq < 0)
        throw new InvalidInputError(
          `${inputTypeName} of stream ${JSON.stringify(key)} has window seq ${seq}, expected an integer from 0 to 2^53 − 1`,
        );
      return { source, input, key, seq };
    } catch (error) {
      return { source, error };
    }
  }

  /**
   * One micro-batch. On a failure that redoing may cure, nothing of it stays: after a backoff the batch is fetched
   * again from the committed offsets (BatchRedoError), and readiness says the stage is stalled until a batch
   * succeeds.
   */
  private async flush(items: Item<In>[]): Promise<void> {
    const generation = this.generation;
    const started = performance.now();
    try {
      await this.processAndProduce(items, generation);
      this.metrics.batchDuration.observe((performance.now() - started) / 1000);
      this.failureStreak = 0;
      this.stalled = undefined;
    } catch (error) {
      const { type, message } = describeError(error);
      if (this.stopSignal.signal.aborted)
        throw new StageStoppedError(`${this.name} stopped during a batch of ${items.length} (${type}: ${message})`, {
          cause: error,
        });
      await this.prepareRedo(items, error);
      throw new BatchRedoError(`${this.name}: a batch of ${items.length} is fetched again (${type}: ${message})`, {
        cause: error,
      });
    }
  }

  /**
   * After a failed batch: count it, say why the stage is stalled, wait (backoff), and — exactly-once — replace the
   * producer (which aborts the failed transaction, or waits for a commit in flight) and move each partition back
   * to the offset the group committed: a commit that failed on the way back may have succeeded.
   */
  private async prepareRedo(items: Item<In>[], error: unknown): Promise<void> {
    const rebalanced = error instanceof GenerationChangedError;
    this.metrics.batchRetries.inc({ reason: rebalanced ? 'rebalance' : 'retriable' });
    const { type, message } = describeError(error);
    if (!rebalanced) {
      this.failureStreak++;
      this.stalled = { since: this.stalled?.since ?? new Date().toISOString(), reason: `${type}: ${message}` };
    }
    const delay = rebalanced ? 0 : backoffDelayMs(this.failureStreak, this.options.retryInitialMs ?? 500, RETRY_MAX_MS);
    this.logger.warn(
      `${this.name}: a batch of ${items.length} failed${rebalanced ? '' : ` (${this.failureStreak} in a row)`}: ` +
        `${type}: ${message}; fetching it again from the committed offsets in ${delay} ms`,
    );
    await sleep(delay, this.stopSignal.signal);
    const producer = this.producer;
    // Nothing was sent when the group changed: the partition is fetched again from its last resolved offset.
    if (rebalanced || !producer?.exactlyOnce || this.stopSignal.signal.aborted) return;
    const first = new Map<number, string>();
    for (const { source } of items)
      if (!first.has(source.partition)) first.set(source.partition, source.message.offset);
    await retry(
      async () => {
        await producer.reset();
        const committed = await this.probe.committedOffsets([...first.keys()]);
        for (const [partition, offset] of first) {
          const at = committed.get(partition);
          this.consumer?.seek({
            topic: this.options.inputTopic,
            partition,
            offset: at !== undefined && BigInt(at) >= 0n ? at : offset,
          });
        }
        return true;
      },
      {
        signal: this.stopSignal.signal,
        initialMs: this.options.retryInitialMs ?? 500,
        maxMs: RETRY_MAX_MS,
        onRetry: (e, ms) =>
          this.logger.warn(
            `${this.name}: cannot reset the producer yet (${describeError(e).message}); again in ${ms} ms`,
          ),
      },
    );
  }

  /**
   * Processes `items` and writes outputs, dead letters and (exactly-once) input offsets; throws only what redoing
   * the batch may cure. Outputs the broker refuses for what they are (too large…) are replaced by dead letters.
   */
  private async processAndProduce(items: Item<In>[], generation: number): Promise<void> {
    const { toProcess, failed, duplicates } = sortOut(items, this.produced);
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
    const offsets = consumedOffsets(this.options.inputTopic, items);
    try {
      await this.send(
        [...outputs.map(({ message }) => ({ topic: this.options.outputTopic, message })), ...this.deadLetters(failed)],
        offsets,
        generation,
      );
    } catch (error) {
      if (!isRefusedMessage(error)) throw error;
      // The broker refused what was sent, not how: redoing would fail again, so every input is dead-lettered.
      this.metrics.batchFailures.inc({ kind: 'outputs_refused' });
      this.logger.error(
        `${this.name}: the broker refused a batch's outputs (${describeError(error).message}); dead-lettering its ${items.length} inputs`,
      );
      const all = items.map((item) => failed.find((f) => f.item === item) ?? { item, error });
      await this.producer?.reset();
      try {
        await this.send(this.deadLetters(all), offsets, generation);
      } catch (deadLetterError) {
        this.metrics.batchFailures.inc({ kind: 'dead_letter_send' });
        throw deadLetterError;
      }
      outputs.length = 0;
      failed.splice(0, failed.length, ...all);
    }

    for (const { item } of outputs) this.produced.record(item.source.partition, item.key as string, item.seq as number);
    for (const { item, error } of failed) this.logDeadLetter(item.source, error);
    this.metrics.count('ok', outputs.length);
    this.metrics.count('dead_lettered', failed.length - duplicates);
    this.metrics.count('duplicate', duplicates);
  }

  private deadLetters(failed: readonly Failed<In>[]): OutgoingMessage[] {
    const limit = this.messageLimits.get(this.deadLetterTopic) ?? MAX_MESSAGE_BYTES;
    return failed.map(({ item, error }) => ({
      topic: this.deadLetterTopic,
      message: deadLetterMessage(item.source, error, this.name, limit),
    }));
  }

  /** Sends, unless the group changed since the batch began (its partitions may be another member's by now). */
  private async send(outgoing: OutgoingMessage[], offsets: ConsumedOffsets, generation: number): Promise<void> {
    if (generation !== this.generation)
      throw new GenerationChangedError(`${this.name}: the consumer group changed during the batch; not committing it`);
    const limit = Math.min(
      ...[this.options.outputTopic, this.deadLetterTopic].map((t) => this.messageLimits.get(t) ?? MAX_MESSAGE_BYTES),
    );
    await (this.producer as StageProducer).send(outgoing, offsets, limit);
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
    const { output: type, outputTypeName, outputTopic } = this.options;
    const value = encodeMessage(type, output);
    const limit = this.messageLimits.get(outputTopic) ?? MAX_MESSAGE_BYTES;
    if (value.length > limit)
      throw new MessageTooLargeError(
        `${outputTypeName} output of ${value.length} bytes is larger than ${outputTopic} accepts (${limit})`,
        value.length,
        limit,
      );
    return { key: item.key, value, headers: { ...OUTPUT_HEADERS, 'message-type': outputTypeName } };
  }

  private logDeadLetter(source: SourceMessage, error: unknown): void {
    const { type, message } = describeError(error);
    this.logger.warn(
      `${this.name}: dead-lettered ${source.topic}[${source.partition}]@${source.message.offset} ` +
        `(key ${shownKey(source.message.key)}) to ${this.deadLetterTopic}: ${type}: ${boundText(message, 300)}`,
    );
  }
}

/** The consumer group changed while a batch was in flight: it is not committed (see BatchStage.send). */
class GenerationChangedError extends AudioConceptsError {}
