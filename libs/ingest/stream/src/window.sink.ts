import type { AudioWindow } from '@audio-concepts/shared-contracts';

/**
 * Where windows go (the Kafka topic in the service, an array in tests). `publish` resolves once the window
 * is durable (for Kafka: acknowledged by all in-sync replicas) and rejects with a `WindowPublishError`.
 */
export interface WindowSink {
  publish(window: AudioWindow): Promise<void>;
  /** `true` when it can publish now, else the reason it cannot (readiness, and 503 before reading an upload). */
  readiness(): true | string;
}
