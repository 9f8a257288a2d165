import { ConfigError } from '@audio-concepts/platform-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { ingestConfig, positionsTopicFor, resetIngestConfig } from './config';

/** Tokens of the required strength (32 random bytes). */
const TOKEN = 'q8Xc1mZ4r0Tn7WvYb2Ke9HdLf5Sa3Jg6Pu-Ni_Oz4Bw';
const OTHER = 'a3f9c1e07b5d2846f0e9d3c7b1a5f2e8d4c6b0a9e7f3d1c5b2a8e6f4d0c9b7a3';

describe('ingestConfig', () => {
  afterEach(() => resetIngestConfig());

  it('has the documented defaults; only the token is required', () => {
    expect(ingestConfig({ INGEST_TOKEN: TOKEN })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      brokers: ['127.0.0.1:9092'],
      clientId: 'audio-concepts-ingest',
      token: TOKEN,
      windowS: 10,
      hopS: 10,
      wireFormat: 'v2',
      maxUploadBytes: 512 * 1024 * 1024,
      maxUploadS: 3_600,
      maxAudioRate: 10,
      idleTimeoutS: 30,
      rateLimit: 600,
      sourcesPath: undefined,
      windowsTopic: 'audio.windows.v1',
      positionsTopic: 'audio.stream-positions.v1',
      instanceId: `${hostname()}-${process.pid}`,
    });
  });

  it('reads every variable; the hop follows the window unless set', () => {
    const config = ingestConfig({
      INGEST_TOKEN: TOKEN,
      HOST: '0.0.0.0',
      PORT: '9000',
      KAFKA_BROKERS: 'a:9092,b:9092',
      INGEST_WINDOW_S: '5',
      INGEST_MAX_UPLOAD_BYTES: '1000',
      INGEST_MAX_UPLOAD_S: '60',
      INGEST_MAX_AUDIO_RATE: '2.5',
      INGEST_IDLE_TIMEOUT_S: '5',
      INGEST_RATE_LIMIT: '10',
      INGEST_SOURCES: '/etc/sources.json',
      INGEST_WINDOWS_TOPIC: 'x.audio.windows.v1',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 9000, brokers: ['a:9092', 'b:9092'], windowS: 5, hopS: 5 });
    expect(config).toMatchObject({ maxUploadBytes: 1000, rateLimit: 10, sourcesPath: '/etc/sources.json' });
    expect(config).toMatchObject({ maxUploadS: 60, maxAudioRate: 2.5, idleTimeoutS: 5 });
    expect(config.windowsTopic).toBe('x.audio.windows.v1');
    expect(config.positionsTopic).toBe('x.audio.stream-positions.v1');
    resetIngestConfig();
    const named = ingestConfig({ INGEST_TOKEN: TOKEN, INGEST_POSITIONS_TOPIC: 'p', INSTANCE_ID: 'ingest-0' });
    expect(named).toMatchObject({ positionsTopic: 'p', instanceId: 'ingest-0' });
  });

  it('keeps the positions of another windows topic apart', () => {
    expect(positionsTopicFor('audio.windows.v1')).toBe('audio.stream-positions.v1');
    expect(positionsTopicFor('e2e.ab12.audio.windows.v1')).toBe('e2e.ab12.audio.stream-positions.v1');
    expect(positionsTopicFor('windows')).toBe('windows.positions');
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

  it.each([
    ['32 bytes, base64', 'q8Xc1mZ4r0Tn7WvYb2Ke9HdLf5Sa3Jg6Pu+Ni/Oz4Bw='],
    ['32 bytes, hex', OTHER],
  ])('takes a token of %s', (_, token) => {
    expect(ingestConfig({ INGEST_TOKEN: token }).token).toBe(token);
  });

  it.each([
    ['24 bytes, base64url', 'q8Xc1mZ4r0Tn7WvYb2Ke9HdLf5Sa3Jg6', /it has 32 characters/],
    ['43 hex digits (172 bits)', OTHER.slice(0, 43), /it has 43 characters/],
    ['a placeholder', 'change-me-change-me-change-me-change-me-change-me', /only 8 different characters/],
    ['a space', `${TOKEN} x`, /may hold only A-Z a-z 0-9/],
  ])('refuses a token of %s', (_, token, reason) => {
    expect(() => ingestConfig({ INGEST_TOKEN: token })).toThrow(reason);
  });

  it('refuses a token of fewer than 32 random bytes, with the other problems', () => {
    expect(() => ingestConfig({ INGEST_TOKEN: 'e2e-token', INGEST_RATE_LIMIT: '0' })).toThrow(
      new ConfigError([
        'INGEST_TOKEN is too weak: it has 9 characters; it must be at least 32 random bytes: 43+ base64/base64url characters (openssl rand -base64 32) or 64+ hex digits (openssl rand -hex 32)',
        'INGEST_RATE_LIMIT="0" is not a number in [1, 1000000]',
      ]),
    );
  });

  it('checks the Kafka SASL and TLS settings at start, listed with the other problems', () => {
    expect(() => ingestConfig({ INGEST_TOKEN: TOKEN, INGEST_RATE_LIMIT: '0', KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(
      /INGEST_RATE_LIMIT="0".*KAFKA_SASL_MECHANISM="gssapi" is not one of/s,
    );
  });

  it('parses once and caches until reset', () => {
    expect(ingestConfig({ INGEST_TOKEN: TOKEN }).token).toBe(TOKEN);
    expect(ingestConfig({ INGEST_TOKEN: OTHER }).token).toBe(TOKEN);
    resetIngestConfig();
    expect(ingestConfig({ INGEST_TOKEN: OTHER }).token).toBe(OTHER);
  });
});
