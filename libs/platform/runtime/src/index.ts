export { presentedToken, tokenMatches, type Credentials } from './bearer-token';
export { ConfigError, EnvReader } from './env.reader';
export { HealthController } from './health.controller';
export { MetricsController } from './metrics.controller';
export { Readiness, type ReadinessCheck } from './readiness';
export { ServiceRuntimeModule, type ServiceRuntimeOptions } from './service-runtime.module';
export { httpsOptionsFromEnv, startService, type StartServiceOptions } from './service.bootstrap';
export { MIN_TOKEN_BYTES, tokenWeakness } from './token.strength';
export { isLoopback } from './loopback';
