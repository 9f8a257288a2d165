import { Global, Module, type DynamicModule } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { Readiness } from './readiness';

/**
 * prom-client's default gauges whose names end in `_total`, which Prometheus keeps for counters (`promtool check
 * metrics` refuses them). Each is the sum of a per-type gauge that stays: nodejs_active_handles{type}, ….
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export interface ServiceRuntimeOptions {
  /** the service's name: the `service` label of every metric (ingest, encoder, decomposer, …) */
  service: string;
}

/**
 * What every audio-concepts service has: `/healthz`, `/readyz` (fed by `Readiness` checks) and `/metrics`
 * (a prom-client `Registry` with the process's default metrics). Inject `Registry` to declare metrics and
 * `Readiness` to add checks.
 */
@Global()
@Module({})
export class ServiceRuntimeModule {
  static forRoot(options: ServiceRuntimeOptions): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service: options.service });
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
    return {
      module: ServiceRuntimeModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: Registry, useValue: registry },
        { provide: Readiness, useValue: new Readiness() },
      ],
      exports: [Registry, Readiness],
    };
  }
}
