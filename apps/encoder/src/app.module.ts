import { Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ServiceRuntimeModule } from '@audio-concepts/platform-runtime';
import { ENCODER_CONFIG, type EncoderConfig } from './config';
import { EncoderKafkaHandler } from './encoder.handler';
import { EncoderMetrics } from './encoder.metrics';

/** The encoder: health/readiness/metrics over HTTP and the Kafka stage windows → embeddings. */
@Module({})
export class AppModule {
  static forRoot(config: EncoderConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceRuntimeModule.forRoot({ service: 'encoder' })],
      providers: [
        { provide: ENCODER_CONFIG, useValue: config },
        {
          provide: EncoderMetrics,
          useFactory: (registry: Registry) => new EncoderMetrics(registry),
          inject: [Registry],
        },
        EncoderKafkaHandler,
      ],
    };
  }
}
