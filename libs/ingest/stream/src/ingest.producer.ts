import { errorMessage } from '@audio-concepts/shared-errors';
import { kafkaRetry } from '@audio-concepts/platform-kafka';
import { retry, sleep } from '@audio-concepts/platform-retry';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { WindowPublishError } from './ingest.errors';
import type { IngestLog } from './ingest.log';

/** How long `stop` waits for a connection attempt in progress. */
const STOP_WAIT_MS = 2_000;
/** Kafka comes back within seconds of a restart: try again at least every 5 s, so readiness follows it soon. */
const RECONNECT_BACKOFF = { initialMs: 500, maxMs: 5_000 };

/**
 * Ingest's Kafka producer (windows and stream positions): idempotent, acks = all, one request in flight per
 * broker, so a send that kafkajs retries cannot land twice and retries cannot reorder a stream. Retries are
 * limited, so a broker outage becomes a `WindowPublishError` (503) within seconds instead of a hung request.
 *
 * After a failed send the producer is replaced by a new one (a new producer id): kafkajs takes a failed batch's
 * sequence numbers back, so if that batch did land after all, the next batch to the partition — another window —
 * would carry the same numbers and the broker would drop it as a duplicate. A new producer id starts afresh.
 */
export class IngestProducer {
  private producer: Producer;
  private connected = false;
  private lastError: string | undefined;
  private readonly stopping = new AbortController();
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly log: IngestLog,
  ) {
    this.producer = this.create();
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

  /** `true` once connected, else why not. */
  readiness(): true | string {
    if (this.connected) return true;
    return this.lastError === undefined ? 'connecting to Kafka' : `not connected to Kafka: ${this.lastError}`;
  }

  /** Sends `messages` to `topic` and resolves once all in-sync replicas have them; `what` names them in errors. */
  async send(topic: string, messages: Message[], what: string): Promise<void> {
    const ready = this.readiness();
    if (ready !== true) throw new WindowPublishError(`cannot publish ${what} to ${topic}: ${ready}`);
    const producer = this.producer;
    try {
      await producer.send({ topic, acks: -1, messages });
    } catch (error) {
      this.replace(producer);
      const reason = errorMessage(error);
      throw new WindowPublishError(`publishing ${what} to ${topic} failed: ${reason}`, error);
    }
  }

  /** Replaces `failed` (unless that happened already) and connects the new producer in the background. */
  private replace(failed: Producer): void {
    if (failed !== this.producer || this.stopping.signal.aborted) return;
    this.producer = this.create();
    this.connected = false;
    this.lastError = 'a send failed; reconnecting with a new producer id';
    failed.disconnect().catch(() => undefined);
    this.connecting = this.connectUntilStopped();
  }

  private create(): Producer {
    const producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java clients partition: a stream lands where other producers would put it
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: kafkaRetry('interactive'),
    });
    producer.on(producer.events.CONNECT, () => {
      if (producer !== this.producer) return;
      this.connected = true;
      this.lastError = undefined;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (producer === this.producer) this.connected = false;
    });
    return producer;
  }

  private async connectUntilStopped(): Promise<void> {
    const producer = this.producer;
    const connected = await retry(
      async () => {
        await producer.connect();
        return true;
      },
      {
        ...RECONNECT_BACKOFF,
        signal: this.stopping.signal,
        onRetry: (error, delayMs) => {
          this.lastError = errorMessage(error);
          this.log.warn(
            `cannot connect to Kafka (${this.lastError}); trying again in ${(delayMs / 1000).toFixed(1)} s`,
          );
        },
      },
    );
    if (connected) this.log.log('connected to Kafka (idempotent producer)');
  }
}
