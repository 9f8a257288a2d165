import { Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { createKafka } from '@audio-concepts/platform-kafka';
import { ServiceRuntimeModule } from '@audio-concepts/platform-runtime';
import { HeadJobs, KafkaHeadPublisher, TrainerMetrics } from '@audio-concepts/trainer-service';
import { Registry } from 'prom-client';
import { TRAINER_CONFIG, type TrainerConfig } from './config';
import { HeadsController } from './heads.controller';
import { TrainerErrorFilter } from './trainer-error.filter';

/** Closes the publisher once the jobs in flight are done. */
class TrainerLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly jobs: HeadJobs,
    private readonly publisher: KafkaHeadPublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.drain();
    await this.publisher.close();
  }
}

/** The trainer: health/readiness/metrics over HTTP and the /v1/heads routes; the jobs are in @audio-concepts/trainer-service. */
@Module({})
export class AppModule {
  static forRoot(config: TrainerConfig): DynamicModule {
    const publisher = new KafkaHeadPublisher(
      createKafka({ brokers: config.brokers, clientId: config.kafkaClientId }),
      config.headsTopic,
    );
    return {
      module: AppModule,
      imports: [ServiceRuntimeModule.forRoot({ service: 'trainer' })],
      controllers: [HeadsController],
      providers: [
        { provide: TRAINER_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: TrainerErrorFilter },
        {
          provide: HeadJobs,
          useFactory: (registry: Registry) =>
            new HeadJobs({
              dataDir: config.dataDir,
              storeDir: config.headsDir,
              publisher,
              threads: config.threads,
              log: new Logger('trainer'),
              metrics: new TrainerMetrics(registry),
            }),
          inject: [Registry],
        },
        {
          provide: TrainerLifecycle,
          useFactory: (jobs: HeadJobs) => new TrainerLifecycle(jobs, publisher),
          inject: [HeadJobs],
        },
      ],
    };
  }
}
