export { ConfigError, EnvReader } from './env.reader';
export { HealthController } from './health.controller';
export { MetricsController } from './metrics.controller';
export { Readiness, type ReadinessCheck } from './readiness';
export { ServiceRuntimeModule, type ServiceRuntimeOptions } from './service-runtime.module';
export { startService, type StartServiceOptions } from './service.bootstrap';
