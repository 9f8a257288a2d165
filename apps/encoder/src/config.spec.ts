import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@audio-concepts/platform-runtime';
import { describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from '@audio-concepts/shared-contracts';
import { readEncoderConfig } from './config';

describe('readEncoderConfig', () => {
  it('has the service contract defaults', () => {
    expect(readEncoderConfig({})).toEqual({
      brokers: ['127.0.0.1:9092'],
      kafkaClientId: 'audio-concepts-encoder',
      host: '127.0.0.1',
      port: 8081,
      modelDir: DEMO_MODEL_DIR,
      device: 'auto',
      threads: undefined,
      delivery: 'exactly-once',
      instanceId: undefined,
      groupId: 'audio-concepts-encoder',
      maxBatch: 8,
      maxWaitMs: 50,
      inputTopic: 'audio.windows.v1',
      outputTopic: 'audio.embeddings.v1',
      sessionTimeoutMs: 30_000,
      wireFormat: 'v2',
    });
    expect(DEMO_MODEL_DIR).toMatch(/models[/\\]clap-demo$/);
  });

  it('reads every variable', () => {
    expect(
      readEncoderConfig({
        KAFKA_BROKERS: 'a:1, b:2',
        HOST: '0.0.0.0',
        PORT: '0',
        MODEL_DIR: '/models/clap',
        DEVICE: 'cuda',
        ENCODER_THREADS: '2',
        ENCODER_GROUP: 'g',
        ENCODER_MAX_BATCH: '16',
        ENCODER_MAX_WAIT_MS: '0',
        ENCODER_INPUT_TOPIC: 'in',
        ENCODER_OUTPUT_TOPIC: 'out',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        WIRE_FORMAT: 'v1',
      }),
    ).toMatchObject({
      brokers: ['a:1', 'b:2'],
      host: '0.0.0.0',
      port: 0,
      modelDir: '/models/clap',
      device: 'cuda',
      threads: 2,
      groupId: 'g',
      maxBatch: 16,
      maxWaitMs: 0,
      inputTopic: 'in',
      outputTopic: 'out',
      sessionTimeoutMs: 6000,
      wireFormat: 'v1',
    });
  });

  it('lists every bad variable in one error', () => {
    expect(() =>
      readEncoderConfig({
        PORT: 'http',
        DEVICE: 'tpu',
        ENCODER_MAX_BATCH: '0',
        KAFKA_SESSION_TIMEOUT_MS: '100',
        WIRE_FORMAT: 'v3',
      }),
    ).toThrow(
      new ConfigError([
        'PORT="http" is not a number in [0, 65535]',
        'DEVICE="tpu" is not one of auto, cpu, cuda',
        'ENCODER_MAX_BATCH="0" is not a number in [1, 1024]',
        'KAFKA_SESSION_TIMEOUT_MS="100" is not a number in [6000, 300000]',
        'WIRE_FORMAT="v3" is not one of v1, v2',
      ]),
    );
  });

  it('checks the Kafka SASL and TLS settings at start, listing their problems with the others', () => {
    expect(() =>
      readEncoderConfig({
        PORT: 'http',
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SSL: 'yes',
        KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem',
      }),
    ).toThrow(
      new ConfigError([
        'PORT="http" is not a number in [0, 65535]',
        'KAFKA_SASL_MECHANISM="gssapi" is not one of plain, scram-sha-256, scram-sha-512',
        'KAFKA_SSL="yes" is not one of true, false',
        'KAFKA_SSL_CA_FILE="/nonexistent/ca.pem" cannot be read: no such file',
      ]),
    );
    expect(() => readEncoderConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      new ConfigError([
        'KAFKA_SASL_MECHANISM is plain but KAFKA_SASL_USERNAME is not set',
        'KAFKA_SASL_MECHANISM is plain but neither KAFKA_SASL_PASSWORD nor KAFKA_SASL_PASSWORD_FILE is set',
      ]),
    );
  });

  it('starts with good Kafka SASL and TLS settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'encoder-config-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA');
      writeFileSync(join(dir, 'password'), 'secret\n');
      const config = readEncoderConfig({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'encoder',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'password'),
        KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
      });
      expect(config.brokers).toEqual(['127.0.0.1:9092']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
