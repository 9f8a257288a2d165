import { AudioWindow } from '@audio-concepts/shared-contracts';
import { encodeMessage, kafkaRetry } from '@audio-concepts/platform-kafka';
import { retry, sleep } from '@audio-concepts/platform-retry';
import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { WindowPublishError } from './ingest.errors';
import type { IngestLog } from './ingest.log';
import type { WindowSink } from './window.sink';

/** How long `stop` waits for a connection attempt in progress. */
const STOP_WAIT_MS = 2_000;

const HEADERS = { 'content-type': 'application/x-protobuf', 'message-type': 'audio_concepts.v1.AudioWindow' };

/**
 * Publishes windows to a Kafka topic: key = stream id (one stream stays in one partition, in order), value =
 * the `AudioWindow` protobuf, acks = all. One window is in flight per stream (the caller awaits each), and
 * the producer keeps one request in flight per broker, so retries cannot reorder a stream. Retries are
 * limited, so a broker outage becomes a `WindowPublishError` (503) within seconds instead of a hung request.
 */
export class KafkaWindowSink implements WindowSink {
  private readonly producer: Producer;
  private connected = false;
  private lastError: string | undefined;
  private readonly stopping = new AbortController();
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    readonly topic: string,
    private readonly log: IngestLog,
  ) {
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java clients partition: a stream lands where other producers would put it
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      retry: kafkaRetry('interactive'),
    });
    this.producer.on(this.producer.events.CONNECT, () => {
      this.connected = true;
      this.lastError = undefined;
    });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  /** Connects in the background, trying again with backoff; resolves once connected or stopped. */
  start(): Promise<void> {
    this.connecting ??= this.connectUntilStopped();
    return this.connecting;
  }

  /** Stops trying to connect and disconnects the producer (in-flight sends finish or fail first). */
  async stop(): Promise<void> {
    this.stopping.abort();
    // A connection attempt in progress cannot be cancelled; do not let it hold up the shutdown for long.
    await Promise.race([this.connecting, sleep(STOP_WAIT_MS)]);
    await this.producer.disconnect();
  }

  readiness(): true | string {
    if (this.connected) return true;
    return this.lastError === undefined ? 'connecting to Kafka' : `not connected to Kafka: ${this.lastError}`;
  }

  async publish(window: AudioWindow): Promise<void> {
    const ready = this.readiness();
    if (ready !== true) throw new WindowPublishError(`cannot publish to ${this.topic}: ${ready}`);
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key: window.streamId, value: encodeMessage(AudioWindow, window), headers: HEADERS }],
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new WindowPublishError(
        `publishing window ${window.windowSeq} of stream ${window.streamId} to ${this.topic} failed: ${reason}`,
        error,
      );
    }
  }

  private async connectUntilStopped(): Promise<void> {
    const connected = await retry(
      async () => {
        await this.producer.connect();
        return true;
      },
      {
        signal: this.stopping.signal,
        onRetry: (error, delayMs) => {
          this.lastError = error instanceof Error ? error.message : String(error);
          this.log.warn(
            `cannot connect to Kafka (${this.lastError}); trying again in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
      },
    );
    if (connected) this.log.log(`connected to Kafka; publishing windows to ${this.topic}`);
  }
}
