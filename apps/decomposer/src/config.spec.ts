import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@audio-concepts/platform-runtime';
import { StreamGroups } from '@audio-concepts/shared-contracts';
import { describe, expect, it } from 'vitest';
import { CONCEPT_SPACE_HINT, readDecomposerConfig } from './config';

const TOKEN = randomBytes(32).toString('base64url');

describe('readDecomposerConfig', () => {
  it('has the service contract defaults', () => {
    expect(readDecomposerConfig({ AUDIO_CONCEPTS_CACHE: '/cache', CONCEPT_SPACE: '0123456789abcdef' })).toEqual({
      brokers: ['127.0.0.1:9092'],
      kafkaClientId: 'audio-concepts-decomposer',
      host: '127.0.0.1',
      port: 8082,
      grpcHost: '127.0.0.1',
      grpcPort: 50051,
      token: undefined,
      grpcTls: undefined,
      conceptSpace: '0123456789abcdef',
      conceptSpaceStore: '/cache/spaces',
      lambda: 0.15,
      maxConcepts: 0,
      threads: 1,
      kafka: true,
      delivery: 'exactly-once',
      instanceId: undefined,
      sessionTimeoutMs: 30_000,
      groupId: 'audio-concepts-decomposer',
      maxBatch: 32,
      maxWaitMs: 50,
      inputTopic: 'audio.embeddings.v1',
      outputTopic: 'audio.concepts.v1',
      headsTopic: 'control.heads.v1',
      streamGroups: new StreamGroups(),
      grpcMaxMessageBytes: 16 * 1024 * 1024,
      grpcMaxEmbeddings: 1024,
      warnings: [],
    });
  });

  it('reads STREAM_GROUPS (the live head is chosen per group) and names a bad one', () => {
    const config = readDecomposerConfig({ CONCEPT_SPACE: 'x', STREAM_GROUPS: 'street-*=street', HEADS_TOPIC: 'h' });
    expect(config.streamGroups.groupOf('street-9')).toBe('street');
    expect(config.streamGroups.groupOf('home-1')).toBe('default');
    expect(config.headsTopic).toBe('h');
    expect(() => readDecomposerConfig({ CONCEPT_SPACE: 'x', STREAM_GROUPS: 'street-*' })).toThrow(
      /STREAM_GROUPS: "street-\*" is not glob=group/,
    );
  });

  it('reads every variable; GRPC_HOST follows HOST', () => {
    const config = readDecomposerConfig({
      KAFKA_BROKERS: 'a:1,b:2',
      HOST: '0.0.0.0',
      PORT: '9000',
      GRPC_PORT: '0',
      CONCEPT_SPACE: '/spaces/one',
      CONCEPT_SPACE_STORE: '/store',
      LAMBDA: '0.05',
      MAX_CONCEPTS: '7',
      DECOMPOSER_KAFKA: 'off',
      DECOMPOSER_GROUP: 'g',
      DECOMPOSER_MAX_BATCH: '64',
      DECOMPOSER_MAX_WAIT_MS: '0',
      DECOMPOSER_INPUT_TOPIC: 'in',
      DECOMPOSER_OUTPUT_TOPIC: 'out',
      GRPC_MAX_MESSAGE_BYTES: '1048576',
      GRPC_MAX_EMBEDDINGS: '256',
      DECOMPOSER_TOKEN: TOKEN,
    });
    expect(config).toMatchObject({
      brokers: ['a:1', 'b:2'],
      host: '0.0.0.0',
      grpcHost: '0.0.0.0',
      port: 9000,
      grpcPort: 0,
      conceptSpace: '/spaces/one',
      conceptSpaceStore: '/store',
      maxConcepts: 7,
      lambda: 0.05,
      kafka: false,
      groupId: 'g',
      maxBatch: 64,
      maxWaitMs: 0,
      inputTopic: 'in',
      outputTopic: 'out',
      grpcMaxMessageBytes: 1048576,
      grpcMaxEmbeddings: 256,
      token: TOKEN,
    });
  });

  it('TOP_K is ignored, with a warning: frames carry every non-zero concept; top-K is chosen where they are shown', () => {
    for (const value of ['5', 'five']) {
      const config = readDecomposerConfig({ CONCEPT_SPACE: 'abc', TOP_K: value });
      expect(config).not.toHaveProperty('topK');
      expect(config.warnings).toEqual([
        `TOP_K=${value} is ignored: frames carry every non-zero concept (l0 of them); choose how many to show where ` +
          "they are read (tag/tail --top, a Decompose request's top_k)",
      ]);
    }
    expect(readDecomposerConfig({ CONCEPT_SPACE: 'abc', TOP_K: '' }).warnings).toEqual([]);
  });

  it('gRPC beyond loopback needs a token, unless DECOMPOSER_ALLOW_NO_TOKEN=true; a token must be strong', () => {
    const base = { CONCEPT_SPACE: 'abc' };
    expect(readDecomposerConfig({ ...base, HOST: '127.0.0.1' }).token).toBeUndefined();
    expect(readDecomposerConfig({ ...base, GRPC_HOST: '::1' }).token).toBeUndefined();
    expect(() => readDecomposerConfig({ ...base, GRPC_HOST: '0.0.0.0' })).toThrow(
      new ConfigError([
        'DECOMPOSER_TOKEN is not set, but gRPC listens on 0.0.0.0, beyond this machine: set a token ' +
          '(openssl rand -base64 32), or DECOMPOSER_ALLOW_NO_TOKEN=true to serve without one',
      ]),
    );
    expect(readDecomposerConfig({ ...base, GRPC_HOST: '0.0.0.0', DECOMPOSER_ALLOW_NO_TOKEN: 'true' }).token).toBe(
      undefined,
    );
    expect(() => readDecomposerConfig({ ...base, DECOMPOSER_TOKEN: 'secret' })).toThrow(
      /^bad configuration: DECOMPOSER_TOKEN is too weak: it has 6 characters/,
    );
  });

  it('reads the gRPC certificate and key, both or neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'decomposer-config-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), 'CERT');
      writeFileSync(join(dir, 'key.pem'), 'KEY');
      const files = { GRPC_TLS_CERT_FILE: join(dir, 'cert.pem'), GRPC_TLS_KEY_FILE: join(dir, 'key.pem') };
      const config = readDecomposerConfig({ CONCEPT_SPACE: 'abc', ...files });
      expect(config.grpcTls).toEqual({ certChain: Buffer.from('CERT'), privateKey: Buffer.from('KEY') });
      expect(() => readDecomposerConfig({ CONCEPT_SPACE: 'abc', GRPC_TLS_KEY_FILE: files.GRPC_TLS_KEY_FILE })).toThrow(
        'bad configuration: GRPC_TLS_KEY_FILE is set but GRPC_TLS_CERT_FILE is not (both, or neither)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without CONCEPT_SPACE, saying how to build one', () => {
    expect(() => readDecomposerConfig({})).toThrow(
      'bad configuration: CONCEPT_SPACE is not set (the concept space to load: a directory or a space id in ' +
        'CONCEPT_SPACE_STORE; build one with `audio-concepts space build --model DIR --vocab NAME|FILE` (it prints the id))',
    );
  });

  it('lists every bad variable in one error', () => {
    expect(() =>
      readDecomposerConfig({ LAMBDA: '-1', DECOMPOSER_THREADS: 'two', GRPC_PORT: '70000', DECOMPOSER_KAFKA: 'maybe' }),
    ).toThrow(
      new ConfigError([
        'GRPC_PORT="70000" is not a number in [0, 65535]',
        `CONCEPT_SPACE is not set (${CONCEPT_SPACE_HINT})`,
        'LAMBDA="-1" is not a number in [0.000001, 1000]',
        'DECOMPOSER_THREADS="two" is not a number in [1, 256]',
        'DECOMPOSER_KAFKA="maybe" is not one of on, off',
      ]),
    );
  });
});
