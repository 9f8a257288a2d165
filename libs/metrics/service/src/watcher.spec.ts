import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { DriftFrame } from '@audio-concepts/metrics-drift';
import { SceneWorld, TARGET } from '@audio-concepts/metrics-drift/testing';
import { ConceptFrame, DriftEvent, DriftEventKind } from '@audio-concepts/shared-contracts';
import { StreamGroups } from '@audio-concepts/shared-contracts';
import { WatchMetrics } from './watch.metrics';
import { Watcher, type WatchedFrame } from './watcher';

const REFERENCE = 2000;

function conceptFrame(frame: DriftFrame, conceptSpaceId = 'space-1'): ConceptFrame {
  return ConceptFrame.fromPartial({
    streamId: frame.streamId,
    windowSeq: frame.windowSeq,
    startMs: frame.startMs,
    durationMs: frame.durationMs,
    conceptSpaceId,
    concepts: frame.concepts.map((c, index) => ({ index, label: c.label, weight: c.weight })),
    cosine: frame.cosine,
    l0: frame.l0,
    ingestedAtMs: 1_000,
  });
}

function watcher(registry = new Registry(), seen: WatchedFrame[] = []): Watcher {
  return new Watcher({
    groups: StreamGroups.parse('street-*=street'),
    drift: { referenceWindows: REFERENCE, falseAlarmsPerDay: 1 },
    topConcepts: 5,
    metrics: new WatchMetrics(registry),
    sink: { frame: (f) => seen.push(f), drift: () => undefined, event: () => undefined },
    now: () => 2_000,
  });
}

/** A sample of `name` (a histogram's `_sum`/`_count` too) with these labels. */
async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = await (registry.getSingleMetric(name) ?? registry.getSingleMetric(name.replace(/_(sum|count)$/, '')))!.get();
  return metric.values.find(
    (v) =>
      (v.metricName ?? metric.name) === name && Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  )?.value;
}

describe('Watcher', () => {
  const world = new SceneWorld({ seed: 3 });
  // the target concept goes from 10 % to 90 % of the windows 150 windows after the reference (the library's own
  // tests measure how small a change it sees; here the plumbing)
  const frames = world.frames(REFERENCE + 300, {
    seed: 11,
    streamId: 'street-1',
    change: { at: REFERENCE + 150, concept: { label: TARGET, rate: 0.9 } },
  });

  it('counts frames per stream group, never per stream, with concept labels capped and the rest as other', async () => {
    const registry = new Registry();
    const seen: WatchedFrame[] = [];
    const w = watcher(registry, seen);
    for (const f of frames.slice(0, 50)) w.handle(conceptFrame(f), 1_500);
    w.handle(conceptFrame({ ...frames[0], streamId: 'home-1' }), 1_500);
    expect(await sample(registry, 'audio_concepts_frames_total', { stream_group: 'street' })).toBe(50);
    expect(await sample(registry, 'audio_concepts_frames_total', { stream_group: 'default' })).toBe(1);
    const active = (await registry.getSingleMetric('audio_concepts_concept_active_frames_total')!.get()).values;
    const streetLabels = new Set(active.filter((v) => v.labels.stream_group === 'street').map((v) => v.labels.concept));
    expect(streetLabels.size).toBeLessThanOrEqual(5 + 1);
    expect(streetLabels.has('other')).toBe(true);
    expect(JSON.stringify(active)).not.toContain('street-1');
    // ingested at 1000 ms, seen at 1500 ms
    expect(await sample(registry, 'audio_concepts_end_to_end_latency_seconds_sum', { stream_group: 'street' })).toBe(25);
    expect(seen.at(-1)).toMatchObject({ streamId: 'home-1', streamGroup: 'default', seenAtMs: 1_500 });
    expect(await sample(registry, 'audio_concepts_drift_reference_frames', { stream_group: 'street' })).toBe(50);
  });

  it('freezes the reference, then raises one alarm naming the concept that changed, as a DriftEvent', async () => {
    const registry = new Registry();
    const w = watcher(registry);
    const events: DriftEvent[] = [];
    frames.forEach((f) => events.push(...w.handle(conceptFrame(f))));
    expect(await sample(registry, 'audio_concepts_drift_threshold', { stream_group: 'street' })).toBeGreaterThan(0);
    const alarms = events.filter((e) => e.kind === DriftEventKind.DRIFT_EVENT_KIND_ALARM);
    expect(alarms.length).toBeGreaterThanOrEqual(1);
    const [alarm] = alarms;
    expect(alarm).toMatchObject({ streamGroup: 'street', conceptSpaceId: 'space-1', falseAlarmsPerDay: 1, alarmNumber: 1 });
    expect(alarm.changed[0].label).toBe(TARGET);
    expect(alarm.frameIndex).toBeGreaterThanOrEqual(150);
    expect(await sample(registry, 'audio_concepts_drift_alarms_total', { stream_group: 'street' })).toBe(alarms.length);
    expect(await sample(registry, 'audio_concepts_drift_events_total', { kind: 'alarm' })).toBe(alarms.length);
  });

  it('resumes from a snapshot exactly: the same events as without the break', () => {
    const whole = watcher();
    const expected = frames.flatMap((f) => whole.handle(conceptFrame(f)));
    for (const cut of [REFERENCE - 10, REFERENCE + 160]) {
      const first = watcher();
      const before = frames.slice(0, cut).flatMap((f) => first.handle(conceptFrame(f)));
      const second = watcher();
      second.restore(JSON.parse(JSON.stringify(first.snapshot())));
      const after = frames.slice(cut).flatMap((f) => second.handle(conceptFrame(f)));
      expect([...before, ...after]).toEqual(expected);
    }
  });

  it('starts a group over when its frames come from another concept space', async () => {
    const registry = new Registry();
    const logged: string[] = [];
    const w = new Watcher({
      groups: new StreamGroups(),
      drift: { referenceWindows: REFERENCE, falseAlarmsPerDay: 1 },
      topConcepts: 5,
      metrics: new WatchMetrics(registry),
      log: (m) => logged.push(m),
    });
    for (const f of frames.slice(0, 30)) w.handle(conceptFrame(f, 'space-1'));
    w.handle(conceptFrame(frames[30], 'space-2'));
    expect(logged).toEqual([
      'stream group default: frames of concept space space-2 after space-1; its drift reference starts over',
    ]);
    expect(await sample(registry, 'audio_concepts_drift_reference_frames', { stream_group: 'default' })).toBe(1);
  });
});
