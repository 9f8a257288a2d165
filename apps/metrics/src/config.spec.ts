import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readMetricsConfig } from './config';

const TOKEN = randomBytes(32).toString('base64url');

describe('readMetricsConfig', () => {
  it('has defaults for everything but the token', () => {
    const config = readMetricsConfig({ METRICS_TOKEN: TOKEN });
    expect(config).toMatchObject({
      port: 8083,
      host: '127.0.0.1',
      groupId: 'audio-concepts-metrics',
      framesTopic: 'audio.concepts.v1',
      driftTopic: 'audio.drift.v1',
      stateTopic: 'audio.metrics-state.v1',
      drift: { referenceWindows: 2000, falseAlarmsPerDay: 1 },
      topConcepts: 20,
      commitIntervalMs: 5_000,
    });
    expect(config.watchedGroups).toEqual([
      { consumerGroup: 'audio-concepts-encoder', topic: 'audio.windows.v1' },
      { consumerGroup: 'audio-concepts-decomposer', topic: 'audio.embeddings.v1' },
      { consumerGroup: 'audio-concepts-metrics', topic: 'audio.concepts.v1' },
    ]);
    expect(config.watchedTopics).toContain('audio.concepts.v1.dlq');
    expect(config.streamGroups.groupOf('x')).toBe('default');
  });

  it('maps streams to groups and reads the drift settings', () => {
    const config = readMetricsConfig({
      METRICS_TOKEN: TOKEN,
      METRICS_GROUPS: 'street-*=street',
      METRICS_REFERENCE_WINDOWS: '100',
      METRICS_FALSE_ALARMS_PER_DAY: '0.5',
      METRICS_HALF_LIFE_WINDOWS: '12',
    });
    expect(config.streamGroups.groupOf('street-4')).toBe('street');
    expect(config.drift).toEqual({ referenceWindows: 100, falseAlarmsPerDay: 0.5, halfLifeWindows: 12 });
  });

  it('names every bad setting at once', () => {
    const bad = {
      METRICS_TOKEN: 'weak',
      METRICS_GROUPS: 'nogroup',
      METRICS_REFERENCE_WINDOWS: '3',
      METRICS_FALSE_ALARMS_PER_DAY: '-1',
    };
    const message = (() => {
      try {
        readMetricsConfig(bad);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/^bad configuration: /);
    for (const problem of [
      'METRICS_TOKEN is too weak',
      'METRICS_GROUPS: "nogroup" is not glob=group',
      'METRICS_REFERENCE_WINDOWS="3"',
      'METRICS_FALSE_ALARMS_PER_DAY="-1"',
    ])
      expect(message).toContain(problem);
  });

  it('wants a token unless told to serve without one on a loopback address', () => {
    expect(() => readMetricsConfig({})).toThrow(/METRICS_TOKEN is not set/);
    expect(readMetricsConfig({ METRICS_ALLOW_NO_TOKEN: 'true' }).token).toBeUndefined();
    expect(() => readMetricsConfig({ METRICS_ALLOW_NO_TOKEN: 'true', HOST: '0.0.0.0' })).toThrow(/loopback HOST only/);
  });
});
