import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/** How a service reaches Kafka. From the environment: KAFKA_BROKERS (comma-separated), KAFKA_CLIENT_ID. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

/** The local broker of deploy/local/kafka.sh. 127.0.0.1, not localhost: kafkajs may resolve localhost to ::1. */
export const DEFAULT_BROKERS = ['127.0.0.1:9092'];

/**
 * The largest message the services produce or accept (bytes). A 10 s window of 48 kHz float32 PCM is ~1.9 MB
 * on the wire; the local broker's message.max.bytes is 8 MiB (deploy/local/kafka.sh).
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * How many times kafkajs retries one request (connect, send, fetch; 200 ms doubling) before it gives up, by who
 * is waiting for it.
 */
export const KAFKA_RETRIES = {
  /** a service's client: rides out a broker restart (about a minute of retries) */
  service: 8,
  /** someone waits for the answer: an upload's window publish (a 503 within seconds), `tail` (one line) */
  interactive: 5,
  /** the owner retries the connection itself, with backoff and the reason in /readyz (ingest's client) */
  reconnecting: 2,
} as const;

/** kafkajs's `retry` setting for `KAFKA_RETRIES[kind]`. */
export function kafkaRetry(kind: keyof typeof KAFKA_RETRIES): { initialRetryTime: number; retries: number } {
  return { initialRetryTime: 200, retries: KAFKA_RETRIES[kind] };
}

export function createKafka(settings: KafkaSettings, config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    retry: kafkaRetry('service'),
    ...config,
  });
}
