import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readTrainerConfig } from './config';

const TOKEN = randomBytes(32).toString('base64url');

describe('readTrainerConfig', () => {
  it('has defaults for everything but the token and the data folder', () => {
    expect(
      readTrainerConfig({ TRAINER_TOKEN: TOKEN, TRAINER_DATA_DIR: '/srv/data', AUDIO_CONCEPTS_CACHE: '/cache' }),
    ).toEqual({
      brokers: ['127.0.0.1:9092'],
      kafkaClientId: 'audio-concepts-trainer',
      host: '127.0.0.1',
      port: 8084,
      token: TOKEN,
      dataDir: '/srv/data',
      headsDir: '/cache/heads',
      headsTopic: 'control.heads.v1',
      threads: undefined,
    });
  });

  it('reads every variable', () => {
    const config = readTrainerConfig({
      TRAINER_TOKEN: TOKEN,
      TRAINER_DATA_DIR: '/d',
      TRAINER_HEADS_DIR: '/h',
      HEADS_TOPIC: 'heads',
      TRAINER_THREADS: '3',
      PORT: '9000',
      KAFKA_BROKERS: 'a:1,b:2',
    });
    expect(config).toMatchObject({ dataDir: '/d', headsDir: '/h', headsTopic: 'heads', threads: 3, port: 9000 });
    expect(config.brokers).toEqual(['a:1', 'b:2']);
  });

  it('lists every problem: no data folder, no token (allowed on loopback only), a bad thread count', () => {
    const read = () => readTrainerConfig({ HOST: '0.0.0.0', TRAINER_ALLOW_NO_TOKEN: 'true', TRAINER_THREADS: '0' });
    expect(read).toThrow(/TRAINER_DATA_DIR/);
    expect(read).toThrow(/TRAINER_TOKEN is not set/);
    expect(read).toThrow(/TRAINER_THREADS/);
    expect(readTrainerConfig({ TRAINER_DATA_DIR: '/d', TRAINER_ALLOW_NO_TOKEN: 'true' }).token).toBeUndefined();
    expect(() => readTrainerConfig({ TRAINER_DATA_DIR: '/d', TRAINER_TOKEN: 'short' })).toThrow(/TRAINER_TOKEN/);
  });
});
