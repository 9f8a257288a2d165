import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BROKERS } from '@audio-concepts/platform-kafka';
import { waitFor } from '@audio-concepts/platform-kafka/testing';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import { MetricsStage } from './metrics.stage';
import { readLatestState } from './state.reader';
import { StreamGroups } from '@audio-concepts/shared-contracts';
import { WatchMetrics } from './watch.metrics';
import { Watcher } from './watcher';

const RUN = randomBytes(4).toString('hex');
const topics = { frames: `test.${RUN}.frames`, drift: `test.${RUN}.drift`, state: `test.${RUN}.state` };
const groupId = `test-${RUN}-metrics`;
const kafka = new Kafka({ clientId: 'metrics-stage-spec', brokers: DEFAULT_BROKERS, logLevel: logLevel.NOTHING });
const quiet = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
let admin: Admin;

function frame(streamId: string, seq: number): ConceptFrame {
  return ConceptFrame.fromPartial({
    streamId,
    windowSeq: seq,
    startMs: seq * 10_000,
    durationMs: 10_000,
    conceptSpaceId: 'space-1',
    concepts: [{ index: 0, label: seq % 2 === 0 ? 'rain' : 'wind', weight: 0.4 }],
    cosine: 0.9,
    l0: 1,
    ingestedAtMs: Date.now(),
  });
}

async function produce(streamId: string, from: number, count: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.frames,
    messages: Array.from({ length: count }, (_, i) => ({
      key: streamId,
      value: Buffer.from(ConceptFrame.encode(frame(streamId, from + i)).finish()),
    })),
  });
  await producer.disconnect();
}

/** A stage whose groups keep collecting (the reference needs more frames than the test sends). */
function stageWith(registry: Registry): { stage: MetricsStage; watcher: Watcher; metrics: WatchMetrics } {
  const metrics = new WatchMetrics(registry);
  const watcher = new Watcher({
    groups: StreamGroups.parse('street-*=street'),
    drift: { referenceWindows: 10_000, falseAlarmsPerDay: 1 },
    topConcepts: 5,
    metrics,
  });
  const stage = new MetricsStage({
    kafka,
    groupId,
    instanceId: 'spec',
    framesTopic: topics.frames,
    driftTopic: topics.drift,
    stateTopic: topics.state,
    watcher,
    commitIntervalMs: 200,
    logger: quiet,
    sessionTimeoutMs: 6_000,
  });
  return { stage, watcher, metrics };
}

const framesSeen = async (registry: Registry) =>
  (await registry.getSingleMetric('audio_concepts_frames_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);

const collected = (watcher: Watcher) =>
  Object.fromEntries(
    Object.entries(watcher.snapshot().groups).map(([group, state]) => [
      group,
      state.phase === 'collecting' ? state.frames.map((f) => `${f.streamId}/${f.windowSeq}`) : state.phase,
    ]),
  );

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.frames, numPartitions: 2 },
      { topic: topics.drift, numPartitions: 1 },
      { topic: topics.state, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
    waitForLeaders: true,
  });
});

afterAll(async () => {
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
});

describe('MetricsStage', () => {
  it('commits its state with the offsets, and a new instance resumes from it without counting a frame twice', async () => {
    await produce('street-1', 0, 6);
    await produce('home-1', 0, 4);
    const first = new Registry();
    const one = stageWith(first);
    await one.stage.start();
    await waitFor(async () => (await framesSeen(first)) === 10, 'the first 10 frames', 30_000);
    await one.stage.stop();
    expect(collected(one.watcher)).toEqual({
      street: ['street-1/0', 'street-1/1', 'street-1/2', 'street-1/3', 'street-1/4', 'street-1/5'],
      default: ['home-1/0', 'home-1/1', 'home-1/2', 'home-1/3'],
    });
    const saved = await readLatestState(kafka, topics.state, groupId, { timeoutMs: 10_000, warn: () => undefined });
    expect(saved?.watcher).toEqual(one.watcher.snapshot());
    expect(saved?.offsets.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(10);

    await produce('street-1', 6, 2);
    const second = new Registry();
    const two = stageWith(second);
    await two.stage.start();
    await waitFor(async () => (await framesSeen(second)) === 2, 'the 2 new frames', 30_000);
    await two.stage.stop();
    expect(collected(two.watcher).street).toEqual([
      'street-1/0',
      'street-1/1',
      'street-1/2',
      'street-1/3',
      'street-1/4',
      'street-1/5',
      'street-1/6',
      'street-1/7',
    ]);
    expect(await framesSeen(second)).toBe(2);
  }, 90_000);

  it('says it is not ready until the state is read and the group joined', () => {
    const { stage } = stageWith(new Registry());
    expect(stage.readiness()).toMatch(/reading the last state/);
  });
});
