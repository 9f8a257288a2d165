import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EnvReader, Readiness, ServiceRuntimeModule, startService } from './index';
import { getStatus, selfSignedCertificate } from './testing';

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

  it('the default metrics have no gauge named *_total (promtool check metrics refuses them); the per-type gauges stay', async () => {
    const metrics = await app.get(Registry).getMetricsAsJSON();
    const misnamed = metrics.filter((m) => m.type !== 'counter' && m.name.endsWith('_total')).map((m) => m.name);
    expect(misnamed).toEqual([]);
    const names = metrics.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['nodejs_active_handles', 'nodejs_active_requests']));
  });
});

describe('startService with TLS_CERT_FILE and TLS_KEY_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runtime-tls-'));
  const { certFile, keyFile } = selfSignedCertificate(dir);
  let app: INestApplication | undefined;
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS only, with that certificate', async () => {
    const env = { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile };
    app = await startService(TestModule, { name: 'tls', host: '127.0.0.1', port: 0, logLevels: ['error'], env });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    expect(await getStatus(`https://127.0.0.1:${port}/healthz`, readFileSync(certFile))).toBe(200);
    expect(await getStatus(`http://127.0.0.1:${port}/healthz`)).not.toBe(200);
  });

  it('refuses half a setting, or files it cannot read, naming them', async () => {
    const start = (env: Record<string, string>) =>
      startService(TestModule, { name: 'tls', host: '127.0.0.1', port: 0, logLevels: ['error'], env });
    await expect(start({ TLS_CERT_FILE: certFile })).rejects.toThrow(
      'bad configuration: TLS_CERT_FILE is set but TLS_KEY_FILE is not (both, or neither)',
    );
    await expect(start({ TLS_CERT_FILE: join(dir, 'none.pem'), TLS_KEY_FILE: keyFile })).rejects.toThrow(
      `bad configuration: TLS_CERT_FILE=${JSON.stringify(join(dir, 'none.pem'))} cannot be read: no such file`,
    );
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

  it('reads a secret from NAME or NAME_FILE, and a token only when it is strong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-secret-'));
    try {
      const strong = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u';
      writeFileSync(join(dir, 'token'), `${strong}\n`);
      const env = new EnvReader({ A: 'plain', B_FILE: join(dir, 'token'), C_TOKEN: strong, WEAK: 'change-me' });
      expect(env.secret('A')).toBe('plain');
      expect(env.token('B')).toBe(strong);
      expect(env.token('C_TOKEN')).toBe(strong);
      expect(env.token('NONE')).toBeUndefined();
      expect(() => env.check()).not.toThrow();
      env.token('WEAK');
      const both = new EnvReader({ X: strong, X_FILE: join(dir, 'token'), Y_FILE: join(dir, 'missing') });
      both.secret('X');
      both.secret('Y');
      expect(() => env.check()).toThrow(
        /^bad configuration: WEAK is too weak: it has 9 characters; it must be at least 32 random bytes/,
      );
      expect(() => both.check()).toThrow(
        `bad configuration: X and X_FILE are both set; set one; Y_FILE=${JSON.stringify(join(dir, 'missing'))} cannot be read: no such file`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
