import { type DynamicModule, Logger, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import {
  AudioRateLimiter,
  IngestMetrics,
  KafkaStreamPositions,
  KafkaWindowSink,
  loadPullSources,
  PullSourceRunner,
  RateLimiter,
  RequestGate,
  StreamIngestService,
  StreamRegistry,
  UploadIngest,
} from '@audio-concepts/ingest-stream';
import { ServiceRuntimeModule } from '@audio-concepts/platform-runtime';
import { APP_FILTER } from '@nestjs/core';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { IngestErrorFilter } from './ingest-error.filter';
import { IngestController } from './ingest.controller';
import { IngestLifecycle } from './ingest.lifecycle';
import { IngestWebSocket } from './ingest.websocket';
import { KAFKA_PROVIDERS } from './kafka.providers';
import { RequestMetricsMiddleware } from './request-metrics.middleware';

/** The ingest service: wiring only; the behaviour is in @audio-concepts/ingest-stream. */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceRuntimeModule.forRoot({ service: 'ingest' })],
      controllers: [IngestController],
      providers: [
        { provide: INGEST_CONFIG, useValue: config },
        // every error the service answers, an unknown route's 404 included, is {"error": "…"}
        { provide: APP_FILTER, useClass: IngestErrorFilter },
        { provide: IngestMetrics, useFactory: (registry: Registry) => new IngestMetrics(registry), inject: [Registry] },
        ...KAFKA_PROVIDERS,
        {
          provide: StreamIngestService,
          useFactory: (
            sink: KafkaWindowSink,
            registry: StreamRegistry,
            positions: KafkaStreamPositions,
            metrics: IngestMetrics,
            c: IngestConfig,
          ) =>
            new StreamIngestService(
              sink,
              registry,
              metrics,
              { windowS: c.windowS, hopS: c.hopS, wireFormat: c.wireFormat },
              // an upload's worth at once, then INGEST_MAX_AUDIO_RATE seconds of audio per second
              {
                audioRate: new AudioRateLimiter(c.maxAudioRate, c.maxUploadS),
                positions,
                log: new Logger('ingest'),
              },
            ),
          inject: [KafkaWindowSink, StreamRegistry, KafkaStreamPositions, IngestMetrics, INGEST_CONFIG],
        },
        {
          provide: UploadIngest,
          useFactory: (service: StreamIngestService, metrics: IngestMetrics, c: IngestConfig) =>
            new UploadIngest(service, metrics, {
              maxBytes: c.maxUploadBytes,
              maxDurationS: c.maxUploadS,
              idleTimeoutS: c.idleTimeoutS,
            }),
          inject: [StreamIngestService, IngestMetrics, INGEST_CONFIG],
        },
        {
          provide: RequestGate,
          useFactory: (c: IngestConfig) => new RequestGate(c.token, new RateLimiter(c.rateLimit)),
          inject: [INGEST_CONFIG],
        },
        {
          provide: PullSourceRunner,
          useFactory: async (service: StreamIngestService, metrics: IngestMetrics, c: IngestConfig) => {
            const sources = c.sourcesPath ? await loadPullSources(c.sourcesPath) : [];
            return new PullSourceRunner(service, metrics, sources, new Logger('sources'));
          },
          inject: [StreamIngestService, IngestMetrics, INGEST_CONFIG],
        },
        IngestWebSocket,
        IngestLifecycle,
        RequestMetricsMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestMetricsMiddleware).forRoutes(IngestController);
  }
}
