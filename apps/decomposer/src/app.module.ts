import { Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DecomposerMetrics } from '@audio-concepts/decomposer-service';
import { ServiceRuntimeModule } from '@audio-concepts/platform-runtime';
import { ConceptSpaceLoader } from './concept-space.loader';
import { DECOMPOSER_CONFIG, type DecomposerConfig } from './config';
import { DecomposerGrpc } from './decomposer.grpc';
import { DecomposerKafkaHandler } from './decomposer.handler';

/** The decomposer: health/readiness/metrics over HTTP, the gRPC Decomposer, and the Kafka stage. */
@Module({})
export class AppModule {
  static forRoot(config: DecomposerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ServiceRuntimeModule.forRoot({ service: 'decomposer' })],
      providers: [
        { provide: DECOMPOSER_CONFIG, useValue: config },
        {
          provide: DecomposerMetrics,
          useFactory: (registry: Registry) => new DecomposerMetrics(registry),
          inject: [Registry],
        },
        ConceptSpaceLoader,
        DecomposerGrpc,
        DecomposerKafkaHandler,
      ],
    };
  }
}
