import { ConfigError } from '@audio-concepts/platform-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestConfig, resetIngestConfig } from './config';

describe('ingestConfig', () => {
  afterEach(() => resetIngestConfig());

  it('has the documented defaults; only the token is required', () => {
    expect(ingestConfig({ INGEST_TOKEN: 't' })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      brokers: ['127.0.0.1:9092'],
      clientId: 'audio-concepts-ingest',
      token: 't',
      windowS: 10,
      hopS: 10,
      wireFormat: 'v2',
      maxUploadBytes: 512 * 1024 * 1024,
      rateLimit: 600,
      sourcesPath: undefined,
      windowsTopic: 'audio.windows.v1',
    });
  });

  it('reads every variable; the hop follows the window unless set', () => {
    const config = ingestConfig({
      INGEST_TOKEN: 't',
      HOST: '0.0.0.0',
      PORT: '9000',
      KAFKA_BROKERS: 'a:9092,b:9092',
      INGEST_WINDOW_S: '5',
      INGEST_MAX_UPLOAD_BYTES: '1000',
      INGEST_RATE_LIMIT: '10',
      INGEST_SOURCES: '/etc/sources.json',
      INGEST_WINDOWS_TOPIC: 'x.audio.windows.v1',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9000, brokers: ['a:9092', 'b:9092'], windowS: 5, hopS: 5 });
    expect(config).toMatchObject({ maxUploadBytes: 1000, rateLimit: 10, sourcesPath: '/etc/sources.json' });
    expect(config.windowsTopic).toBe('x.audio.windows.v1');
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      ingestConfig({ INGEST_WINDOW_S: '60', INGEST_HOP_S: '0', INGEST_RATE_LIMIT: 'lots' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'INGEST_WINDOW_S="60" is not a number in [0.001, 41]',
      'INGEST_TOKEN is not set (the bearer token clients must send)',
      'INGEST_HOP_S="0" is not a number in [0.001, 3600]',
      'INGEST_RATE_LIMIT="lots" is not a number in [1, 1000000]',
    ]);
  });

  it('parses once and caches until reset', () => {
    expect(ingestConfig({ INGEST_TOKEN: 'a' }).token).toBe('a');
    expect(ingestConfig({ INGEST_TOKEN: 'b' }).token).toBe('a');
    resetIngestConfig();
    expect(ingestConfig({ INGEST_TOKEN: 'b' }).token).toBe('b');
  });
});
