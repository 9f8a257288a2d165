import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { FixtureClock, feedFixture, fixtureAlarm, fixtureFrame } from './live.fixture';
import type { LiveConcept, LiveDrift, LiveFrame } from './live.types';
import { LiveView } from './live.view';

const MINUTE = 60_000;
const NOW = 1_700_000_000_000;

function viewAt(ms: number, options: ConstructorParameters<typeof LiveView>[0] = {}) {
  const clock = { ms };
  const view = new LiveView({ ...options, now: () => clock.ms });
  return { view, clock };
}

/** A frame with exactly these weights (the fixture's frames vary theirs). */
function frame(streamId: string, seq: number, concepts: LiveConcept[], seenAtMs = NOW): LiveFrame {
  return { ...fixtureFrame(streamId, seq, seenAtMs, []), concepts };
}

const watching = (statistic: number, alarm = false): LiveDrift => ({
  streamGroup: 'street',
  phase: 'watching',
  referenceFrames: 80,
  referenceTarget: 80,
  statistic,
  threshold: 9.5,
  alarm,
  falseAlarmsPerDay: 0.1,
});

describe('LiveView', () => {
  it('shows each stream by its last frame and each group with its frames, streams and timeline', () => {
    const clock = new FixtureClock();
    const view = new LiveView({ now: clock.now });
    const now = Date.now();
    feedFixture(view, clock, now);
    clock.at = now;
    const snap = view.snapshot();

    expect(snap.streams.map((s) => [s.streamGroup, s.streamId, s.windowSeq, s.frames])).toEqual([
      ['street', 'street-cam-1', 119, 120],
      ['street', 'street-cam-2', 119, 120],
      ['studio', 'studio-a', 119, 120],
    ]);
    expect(snap.streams[0].concepts.map((c) => c.label)).toEqual(['siren', 'traffic', 'ambulance']);
    const [street, studio] = snap.groups;
    expect([street.streamGroup, street.frames, street.streams]).toEqual(['street', 240, 2]);
    expect([studio.streamGroup, studio.frames, studio.streams]).toEqual(['studio', 120, 1]);
    expect(street.drift).toMatchObject({ phase: 'watching', alarm: true, threshold: 9.5 });
    expect(studio.drift).toMatchObject({ phase: 'collecting', referenceFrames: 120, referenceTarget: 500 });
    expect(street.events.map((e) => e.kind)).toEqual(['alarm']);
    expect(street.events[0].changed[0].label).toBe('siren');

    // 20 minutes of frames in the hour's 60 one-minute buckets, by when they were seen
    expect(street.timeline.bucketStartsMs).toHaveLength(60);
    expect(street.timeline.frames.reduce((a, b) => a + b, 0)).toBe(240);
    expect(street.timeline.frames.filter((f) => f > 0).length).toBeGreaterThanOrEqual(20);
    expect(street.timeline.concepts[0].label).toBe('traffic');
    const siren = street.timeline.concepts.find((c) => c.label === 'siren');
    const lastMinutes = siren?.meanWeights.filter((w): w is number => w !== null && w > 0) ?? [];
    expect(lastMinutes.length).toBeGreaterThanOrEqual(4); // sirens in the last 5 minutes only
    expect(studio.timeline.concepts.map((c) => c.label)).toEqual(['piano', 'singing', 'reverberation']);

    // the statistic's history: points while watching, the alarm among them
    expect(street.driftHistory.length).toBeGreaterThan(50);
    expect(street.driftHistory.some((p) => p.alarm)).toBe(true);
    expect(studio.driftHistory).toEqual([]);
  });

  it('keeps at most maxStreams, dropping the least recently seen and counting them', () => {
    const { view } = viewAt(NOW, { maxStreams: 2 });
    view.addFrame(frame('street-a', 0, [{ label: 'rain', weight: 0.1 }]));
    view.addFrame(frame('street-b', 0, [{ label: 'rain', weight: 0.1 }]));
    view.addFrame(frame('street-a', 1, [{ label: 'rain', weight: 0.1 }])); // a is now the most recent
    view.addFrame(frame('street-c', 0, [{ label: 'rain', weight: 0.1 }]));
    const snap = view.snapshot();
    expect(snap.streams.map((s) => s.streamId)).toEqual(['street-a', 'street-c']);
    expect(snap.evictedStreams).toBe(1);
    expect(snap.groups[0].frames).toBe(4);
  });

  it('keeps at most maxGroups, and each stream its top concepts only', () => {
    const { view } = viewAt(NOW, { maxGroups: 2, conceptsPerStream: 2 });
    for (const group of ['a', 'b', 'c'])
      view.addFrame({
        ...frame(`s-${group}`, 0, [
          { label: 'x', weight: 0.1 },
          { label: 'y', weight: 0.3 },
          { label: 'z', weight: 0.2 },
          { label: 'zero', weight: 0 },
        ]),
        streamGroup: group,
      });
    const snap = view.snapshot();
    expect(snap.groups.map((g) => g.streamGroup)).toEqual(['b', 'c']);
    expect(snap.evictedGroups).toBe(1);
    expect(snap.streams[0].concepts).toEqual([
      { label: 'y', weight: 0.3 },
      { label: 'z', weight: 0.2 },
    ]);
  });

  it('keeps the last drift events per group, newest first, and a bounded statistic history', () => {
    const { view, clock } = viewAt(NOW, { eventsPerGroup: 3, driftPoints: 60 });
    for (let i = 0; i < 5; i++) view.addDriftEvent({ ...fixtureAlarm(NOW + i), statistic: 10 + i });
    expect(view.snapshot().groups[0].events.map((e) => e.statistic)).toEqual([14, 13, 12]);

    for (let s = 0; s < 2 * 3600; s++) {
      clock.ms = NOW + s * 1000;
      view.setDrift(watching(s % 100, s === 7000));
    }
    const history = view.snapshot().groups[0].driftHistory;
    expect(history.length).toBeLessThanOrEqual(61);
    expect(history[0].atMs).toBeGreaterThanOrEqual(clock.ms - 3_600_000);
    // a slot keeps its largest statistic and whether it was in alarm at any time
    expect(Math.max(...history.map((p) => p.statistic))).toBe(99);
    expect(history.filter((p) => p.alarm)).toHaveLength(1);
  });

  it('tells subscribers of every change until they unsubscribe', () => {
    const { view } = viewAt(NOW);
    let heard = 0;
    const unsubscribe = view.subscribe(() => heard++);
    view.addFrame(frame('street-a', 0, []));
    view.setDrift(watching(1));
    view.addDriftEvent(fixtureAlarm(NOW));
    expect(heard).toBe(3);
    expect(view.subscribers).toBe(1);
    unsubscribe();
    view.addFrame(frame('street-a', 1, []));
    expect(heard).toBe(3);
    expect(view.subscribers).toBe(0);
  });

  it('gives snapshots that later changes and edits do not touch', () => {
    const { view } = viewAt(NOW);
    view.addFrame(frame('street-a', 0, [{ label: 'rain', weight: 0.5 }]));
    const before = view.snapshot();
    before.streams[0].concepts[0].label = 'edited';
    view.addFrame(frame('street-a', 1, [{ label: 'wind', weight: 0.5 }]));
    expect(before.streams[0].windowSeq).toBe(0);
    expect(view.snapshot().streams[0].concepts[0].label).toBe('wind');
    expect(view.snapshot().groups[0].timeline.concepts.map((c) => c.label)).toEqual(['rain', 'wind']);
  });

  it('moves the hour along with the clock: old minutes leave the timeline', () => {
    const { view, clock } = viewAt(NOW);
    view.addFrame(frame('street-a', 0, [{ label: 'rain', weight: 0.5 }]));
    clock.ms = NOW + 30 * MINUTE;
    expect(view.snapshot().groups[0].timeline.frames.reduce((a, b) => a + b)).toBe(1);
    clock.ms = NOW + 61 * MINUTE;
    const group = view.snapshot().groups[0];
    expect(group.timeline.frames.reduce((a, b) => a + b)).toBe(0);
    expect(group.frames).toBe(1);
  });

  it('refuses bad input, naming the field', () => {
    const { view } = viewAt(NOW);
    const good = frame('street-a', 0, [{ label: 'rain', weight: 0.5 }]);
    expect(() => view.addFrame({ ...good, concepts: [{ label: 'rain', weight: Number.NaN }] })).toThrow(
      'live frame of stream "street-a": weight of concept "rain" is NaN (must be a finite number ≥ 0)',
    );
    expect(() => view.addFrame({ ...good, streamGroup: '' })).toThrow(
      'live frame of stream "street-a": streamGroup must be a non-empty string, got ""',
    );
    expect(() => view.addFrame({ ...good, windowSeq: -1 })).toThrow(InvalidInputError);
    expect(() => view.setDrift({ ...watching(1), phase: 'napping' as 'watching' })).toThrow(
      'live drift of group "street": phase is "napping" (must be collecting or watching)',
    );
    expect(() => view.addDriftEvent({ ...fixtureAlarm(NOW), threshold: Infinity })).toThrow(
      'live drift event of group "street": threshold must be a finite number, got Infinity',
    );
    expect(() => new LiveView({ bucketMs: 0 })).toThrow('LiveView option bucketMs must be a positive integer, got 0');
    expect(() => new LiveView({ historyMs: 1000, bucketMs: 60_000 })).toThrow(
      'LiveView option historyMs (1000) must be at least bucketMs (60000)',
    );
    expect(view.snapshot().streams).toEqual([]);
  });
});
