import { Module, type DynamicModule } from '@nestjs/common';
import { LiveModule, LiveView } from '@audio-concepts/metrics-live';
import { ServiceRuntimeModule } from '@audio-concepts/platform-runtime';
import { METRICS_CONFIG, type MetricsConfig } from './config';
import { MetricsHandler } from './metrics.handler';
import { liveSink, WATCH_SINK } from './live.sink';

/** The metrics service: health/readiness/metrics over HTTP, the live page, and the Kafka stage. */
@Module({})
export class AppModule {
  static forRoot(config: MetricsConfig): DynamicModule {
    const view = new LiveView();
    return {
      module: AppModule,
      imports: [ServiceRuntimeModule.forRoot({ service: 'metrics' }), LiveModule.forRoot({ view, token: config.token })],
      providers: [
        { provide: METRICS_CONFIG, useValue: config },
        { provide: WATCH_SINK, useValue: liveSink(view) },
        MetricsHandler,
      ],
    };
  }
}
