import { Module, type INestApplication } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EnvReader, Readiness, ServiceRuntimeModule, startService } from './index';

@Module({ imports: [ServiceRuntimeModule.forRoot({ service: 'test' })] })
class TestModule {}

describe('ServiceRuntimeModule', () => {
  let app: INestApplication;
  let base: string;
  beforeAll(async () => {
    app = await startService(TestModule, { name: 'test', host: '127.0.0.1', port: 0, logLevels: ['error'] });
    base = await app.getUrl();
  });
  afterAll(async () => app.close());

  it('/healthz answers while /readyz follows the readiness checks', async () => {
    let connected = false;
    app.get(Readiness).add('kafka', () => connected || 'not connected yet');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not ready', problems: ['kafka: not connected yet'] });
    connected = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('/metrics serves the registry with the service label', async () => {
    const registry = app.get(Registry);
    new Counter({ name: 'audio_concepts_test_things_total', help: 'things', registers: [registry] }).inc(3);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('audio_concepts_test_things_total{service="test"} 3');
    expect(text).toContain('process_cpu_seconds_total');
  });
});

describe('EnvReader', () => {
  it('reads typed values with defaults', () => {
    const env = new EnvReader({ PORT: '9000', BROKERS: 'a:1, b:2', MODE: 'cpu' });
    expect(env.int('PORT', 1)).toBe(9000);
    expect(env.int('OTHER', 7)).toBe(7);
    expect(env.list('BROKERS', [])).toEqual(['a:1', 'b:2']);
    expect(env.oneOf('MODE', ['cpu', 'cuda'] as const, 'cuda')).toBe('cpu');
    expect(() => env.check()).not.toThrow();
  });

  it('lists every bad variable in one error', () => {
    const env = new EnvReader({ PORT: 'eighty', BATCH: '0.5', MODE: 'tpu' });
    env.int('PORT', 1, { min: 1, max: 65535 });
    env.int('BATCH', 1);
    env.oneOf('MODE', ['cpu', 'cuda'] as const, 'cpu');
    env.required('TOKEN', 'the bearer token');
    let error: unknown;
    try {
      env.check();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'PORT="eighty" is not a number in [1, 65535]',
      'BATCH="0.5" is not an integer',
      'MODE="tpu" is not one of cpu, cuda',
      'TOKEN is not set (the bearer token)',
    ]);
  });
});
