import { Logger, type Provider } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import {
  IngestProducer,
  KafkaReachability,
  KafkaStreamPositions,
  KafkaWindowSink,
  StreamRegistry,
} from '@audio-concepts/ingest-stream';
import { createKafka, kafkaRetry } from '@audio-concepts/platform-kafka';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { kafkaLogCreator } from './kafka.logger';

/** JSON logs; few retries per connection attempt, since the producer and the positions reader retry connecting
 * themselves (with backoff, and the reason in /readyz) and sends have retries of their own. */
const KAFKA_CLIENT_CONFIG = { logCreator: kafkaLogCreator, retry: kafkaRetry('reconnecting') };

/**
 * Ingest's Kafka side: one client, the idempotent producer (windows and positions), the probe of the broker
 * (readiness), the windows sink and the positions log that fills the stream registry.
 */
export const KAFKA_PROVIDERS: Provider[] = [
  {
    provide: Kafka,
    useFactory: (c: IngestConfig) => createKafka({ brokers: c.brokers, clientId: c.clientId }, KAFKA_CLIENT_CONFIG),
    inject: [INGEST_CONFIG],
  },
  {
    provide: IngestProducer,
    useFactory: (kafka: Kafka) => new IngestProducer(kafka, new Logger('kafka')),
    inject: [Kafka],
  },
  {
    provide: KafkaReachability,
    useFactory: (kafka: Kafka, c: IngestConfig) => new KafkaReachability(kafka, [c.windowsTopic]),
    inject: [Kafka, INGEST_CONFIG],
  },
  {
    provide: KafkaWindowSink,
    useFactory: (producer: IngestProducer, reachability: KafkaReachability, c: IngestConfig) =>
      new KafkaWindowSink(producer, c.windowsTopic, reachability),
    inject: [IngestProducer, KafkaReachability, INGEST_CONFIG],
  },
  { provide: StreamRegistry, useValue: new StreamRegistry() },
  {
    provide: KafkaStreamPositions,
    useFactory: (kafka: Kafka, producer: IngestProducer, registry: StreamRegistry, c: IngestConfig) =>
      new KafkaStreamPositions(kafka, producer, c.positionsTopic, registry, new Logger('positions'), {
        instance: c.instanceId,
      }),
    inject: [Kafka, IngestProducer, StreamRegistry, INGEST_CONFIG],
  },
];
