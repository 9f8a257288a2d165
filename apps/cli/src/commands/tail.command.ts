import { Command, Option } from 'commander';
import { logLevel } from 'kafkajs';
import { conceptSpaceStoreDir } from '@audio-concepts/decomposer-concepts';
import {
  ConceptFrame as ConceptFrameMessage,
  DEFAULTS,
  defaultCacheDir,
  TOPICS,
} from '@audio-concepts/shared-contracts';
import { AudioConceptsError, errorMessage } from '@audio-concepts/shared-errors';
import { createConsumer, createKafka, decodeMessage, kafkaRetry, uniqueGroupId } from '@audio-concepts/platform-kafka';
import { frameJson, frameLine } from '@audio-concepts/pipeline-embedded';
import { parsePositiveInt, parsePositiveNumber } from '../options';
import { FrameDedupe } from './frame-dedupe';
import { defaultBrokers, parseBrokers } from './kafka-options';
import { SpaceModelIds } from './tail.model-ids';

interface TailOptions {
  stream?: string;
  count?: number;
  top?: number;
  json?: boolean;
  cacheDir: string;
  fromBeginning?: boolean;
  brokers: string[];
  topic: string;
  connectTimeout: number;
}

/** Kafka could not be reached, or the topic is missing: one line for the user. */
export class KafkaUnavailableError extends AudioConceptsError {}

const FRAME_TYPE = 'audio_concepts.v1.ConceptFrame';

export function tailCommand(): Command {
  return new Command('tail')
    .description(
      `Print the concept frames of the running pipeline (topic ${TOPICS.concepts}) as they arrive, one line per ` +
        'window in the format of `tag`; frames delivered twice are shown once. Ctrl-C stops.',
    )
    .option('--stream <ID>', 'only the frames of this stream')
    .option('--count <N>', 'exit after N frames', parsePositiveInt)
    .option(
      '--top <K>',
      `show the K largest concepts of each frame (default: ${DEFAULTS.tableTop} in the table, which says how many ` +
        'more there are; every one the frame carries with --json)',
      parsePositiveInt,
    )
    .option('--json', 'one JSON object per frame, with the keys of `tag --json`')
    .option('--from-beginning', 'start at the oldest frame Kafka still holds (default: only new frames)')
    .option(
      '--brokers <LIST>',
      'Kafka brokers, host:port comma-separated (default: $KAFKA_BROKERS or 127.0.0.1:9092)',
      parseBrokers,
    )
    .option(
      '--cache-dir <DIR>',
      "where `space build` stored the concept spaces (<DIR>/spaces): --json's model_id comes from there (null " +
        'for a space not in it)',
      defaultCacheDir(),
    )
    .addOption(new Option('--topic <TOPIC>', 'topic to read (tests)').default(TOPICS.concepts).hideHelp())
    .addOption(
      new Option('--connect-timeout <S>', 'seconds to wait for Kafka')
        .argParser(parsePositiveNumber)
        .default(15)
        .hideHelp(),
    )
    .action(async (options: TailOptions) => runTail({ ...options, brokers: options.brokers ?? defaultBrokers() }));
}

async function runTail(options: TailOptions): Promise<void> {
  const debug = process.argv.includes('--debug');
  const kafka = createKafka(
    { brokers: options.brokers, clientId: 'audio-concepts-tail' },
    // kafkajs logs its retries as JSON lines; the user gets one line from us instead (all of it with --debug)
    { logLevel: debug ? logLevel.WARN : logLevel.NOTHING, connectionTimeout: 3_000, retry: kafkaRetry('interactive') },
  );
  // A group of its own: every tail sees every frame, and leaves no offsets that matter behind.
  const consumer = createConsumer(kafka, {
    groupId: uniqueGroupId('audio-concepts-tail'),
    maxWaitTimeInMs: 250,
    retry: kafkaRetry('interactive'),
  });
  const end = settle();
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) end.fail(unavailable(options, event.payload.error));
  });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joined) return;
    joined = true;
    const from = options.fromBeginning ? 'from the beginning' : 'new frames only';
    const stream = options.stream ? `, stream ${options.stream}` : '';
    process.stderr.write(`tail: reading ${options.topic} on ${options.brokers.join(',')} (${from}${stream})\n`);
  });
  const restoreSignals = onInterrupt(() => end.done());

  const dedupe = new FrameDedupe();
  const modelIds = new SpaceModelIds(conceptSpaceStoreDir(options.cacheDir));
  let printed = 0;
  try {
    await withTimeout(
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? false });
      })(),
      options.connectTimeout * 1000,
      `cannot reach Kafka at ${options.brokers.join(',')} within ${options.connectTimeout} s`,
    ).catch((error) => {
      throw unavailable(options, error);
    });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (end.settled) return;
        let frame: ConceptFrameMessage;
        try {
          frame = decodeMessage(ConceptFrameMessage, FRAME_TYPE, message.value);
        } catch (error) {
          const reason = errorMessage(error);
          process.stderr.write(`tail: skipped partition ${partition} offset ${message.offset}: ${reason}\n`);
          return;
        }
        if (options.stream !== undefined && frame.streamId !== options.stream) return;
        if (!dedupe.first(frame.streamId, frame.windowSeq)) return;
        // `tag`'s lines; without --stream a table line starts with the stream, as several streams interleave
        const view = { top: options.top };
        const line = options.json
          ? frameJson(frame, { ...view, modelId: await modelIds.of(frame.conceptSpaceId) })
          : `${options.stream === undefined ? `${frame.streamId}  ` : ''}${frameLine(frame, view)}`;
        process.stdout.write(`${line}\n`);
        printed++;
        if (options.count !== undefined && printed >= options.count) end.done();
      },
    });
    await end.promise;
  } finally {
    restoreSignals();
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Ends the tail on Ctrl-C, SIGTERM, or when the reader of stdout goes away (`tail | head`). */
function onInterrupt(stop: () => void): () => void {
  const stdoutListeners = process.stdout.listeners('error');
  process.stdout.removeAllListeners('error');
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
    else throw error;
  };
  process.stdout.on('error', onStdoutError);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
    for (const listener of stdoutListeners) process.stdout.on('error', listener as (error: Error) => void);
  };
}

function unavailable(options: TailOptions, error: unknown): AudioConceptsError {
  if (error instanceof AudioConceptsError) return error;
  const reason = errorMessage(error);
  if (/does not host this topic-partition|unknown topic/i.test(reason))
    return new KafkaUnavailableError(`topic ${options.topic} does not exist on ${options.brokers.join(',')}`, {
      cause: error,
    });
  return new KafkaUnavailableError(`cannot reach Kafka at ${options.brokers.join(',')} (${reason})`, { cause: error });
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaUnavailableError(message, { retriable: true })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise ended from outside, once: `done()` resolves it, `fail(error)` rejects it. */
function settle(): { promise: Promise<void>; settled: boolean; done(): void; fail(error: unknown): void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const state = {
    promise,
    settled: false,
    done() {
      state.settled = true;
      resolve();
    },
    fail(error: unknown) {
      state.settled = true;
      reject(error);
    },
  };
  return state;
}
