import { InvalidInputError } from '@audio-concepts/shared-errors';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DriftFrame } from './drift-frame';
import { checkDriftReference, type DriftReference } from './drift-reference';
import { featureCount } from './feature-space';
import { OnlineDriftDetector, type DriftUpdate } from './online-detector';
import { ReferenceBuilder } from './reference-builder';
import { SceneWorld, TARGET, type SceneChange } from './testing';

/**
 * The online detector on the scene world (testing.ts): a reference of 4000 frames (scenes last ~20 windows, so
 * concepts and consecutive windows are correlated), calibrated for 1 false alarm per day at 8640 frames per day
 * (one stream of 10 s windows); the live stream changes at frame 1500.
 */
const world = new SceneWorld({ seed: 7 });
const CHANGE_AT = 1500;
/** measured over live seeds 601–608: the first alarm on the change came 33–246 windows after it */
const DETECTION_WINDOWS = 400;
/** measured: the change point of those alarms was within 45 frames of the truth */
const CHANGE_POINT_TOLERANCE = 60;
let reference: DriftReference;

beforeAll(() => {
  const builder = new ReferenceBuilder({ size: 4000 });
  for (const frame of world.frames(4000, { seed: 11 })) builder.add(frame);
  expect(builder.complete).toBe(true);
  reference = builder.freeze({ falseAlarmsPerDay: 1, seed: 1 });
});

function run(detector: OnlineDriftDetector, frames: DriftFrame[]): DriftUpdate[] {
  return frames.map((f) => detector.push(f));
}

const live = (seed: number, change?: SceneChange, count = 2500) => world.frames(count, { seed, change });

describe('ReferenceBuilder and the reference', () => {
  it('freezes into plain JSON of O(vocabulary) size, calibrated for the setting', () => {
    const K = reference.labels.length;
    expect(K).toBe(world.concepts);
    expect(reference.mean).toHaveLength(featureCount(K));
    expect(reference.scale).toHaveLength(featureCount(K));
    expect(reference).toMatchObject({ frames: 4000, streams: 1, windowStepMs: 10_000, framesPerDay: 8640 });
    expect(reference.falseAlarmsPerDay).toBe(1);
    expect(reference.threshold).toBeGreaterThan(3);
    expect(reference.calibration.onsets).toBeGreaterThanOrEqual(30);
    expect(checkDriftReference(JSON.parse(JSON.stringify(reference)))).toEqual(reference);
  });

  it('refuses a reference too small, frames past its size, and a bad setting', () => {
    expect(() => new ReferenceBuilder({ size: 10 })).toThrow('a reference needs at least 20 frames');
    const builder = new ReferenceBuilder({ size: 20 });
    for (const f of world.frames(20, { seed: 3 })) builder.add(f);
    expect(() => builder.add(world.frames(1, { seed: 4 })[0])).toThrow('the reference is complete (20 frames)');
    expect(() => builder.freeze({ falseAlarmsPerDay: 0 })).toThrow('falseAlarmsPerDay must be a number > 0');
    const early = new ReferenceBuilder({ size: 100 });
    early.add(world.frames(1, { seed: 5 })[0]);
    expect(() => early.freeze({ falseAlarmsPerDay: 1 })).toThrow('the reference has 1 frame; it needs at least 20');
  });

  it('rejects a file that is not a reference, naming what is wrong', () => {
    expect(() => checkDriftReference({ ...reference, format: 'x' })).toThrow(
      "format must be 'audio-concepts/drift-reference'",
    );
    expect(() => checkDriftReference({ ...reference, scale: reference.scale.slice(1) })).toThrow('scale must hold');
    expect(() => checkDriftReference({ ...reference, threshold: -1 })).toThrow('threshold must be a number > 0');
  });
});

describe('OnlineDriftDetector', () => {
  it("alarms on one concept's activation going from 10 % to 30 %, names it first, and dates the change", () => {
    const detector = new OnlineDriftDetector(reference);
    const updates = run(detector, live(605, { at: CHANGE_AT, concept: { label: TARGET, rate: 0.3 } }));
    expect(updates.slice(0, CHANGE_AT).filter((u) => u.event)).toEqual([]);
    const alarm = updates.find((u) => u.event?.kind === 'alarm')!;
    expect(alarm.frameIndex - CHANGE_AT).toBeGreaterThanOrEqual(0);
    expect(alarm.frameIndex - CHANGE_AT).toBeLessThanOrEqual(DETECTION_WINDOWS);
    expect(alarm.alarm).toBe(true);
    expect(alarm.statistic).toBeGreaterThan(alarm.threshold);
    const event = alarm.event!;
    expect(event.alarmNumber).toBe(1);
    expect(event.changed[0]).toMatchObject({ label: TARGET });
    expect(event.changed[0].referenceRate).toBeCloseTo(0.1, 1);
    expect(event.changed[0].currentRate).toBeGreaterThan(0.2);
    expect(event.changed[0].q).toBeLessThan(0.001);
    expect(Math.abs(event.changeFrameIndex - CHANGE_AT)).toBeLessThanOrEqual(CHANGE_POINT_TOLERANCE);
    expect(event).toMatchObject({ changeStreamId: 'synthetic', changeWindowSeq: event.changeFrameIndex });
    expect(event.changeStartMs).toBe(event.changeFrameIndex * 10_000);
  });

  it('recovers once the stream is back to the reference', () => {
    const detector = new OnlineDriftDetector(reference);
    const changed = live(605, { at: CHANGE_AT, concept: { label: TARGET, rate: 0.3 } }, 1800);
    const back = live(905, undefined, 1500);
    const events = run(detector, [...changed, ...back]).filter((u) => u.event);
    const last = events[events.length - 1].event!;
    expect(last.kind).toBe('recovery');
    expect(last.alarmNumber).toBe(events.filter((u) => u.event!.kind === 'alarm').length);
    expect(detector.alarm).toBe(false);
  });

  it('flags the cosine signal when the concepts keep their rates but fidelity drops', () => {
    const detector = new OnlineDriftDetector(reference);
    const updates = run(detector, live(605, { at: CHANGE_AT, cosineDrop: 0.1 }));
    expect(updates.slice(0, CHANGE_AT).filter((u) => u.event)).toEqual([]);
    const alarm = updates.find((u) => u.event?.kind === 'alarm')!;
    expect(alarm.frameIndex - CHANGE_AT).toBeLessThanOrEqual(DETECTION_WINDOWS);
    const cosine = alarm.event!.signals.find((s) => s.name === 'cosine')!;
    expect(cosine.changed).toBe(true);
    expect(cosine.currentMean).toBeLessThan(cosine.referenceMean - 0.05);
    expect(alarm.event!.signals.find((s) => s.name === 'l0')!.changed).toBe(false);
  });

  it('watches a label the reference never saw, with a reference rate of 0', () => {
    const detector = new OnlineDriftDetector(reference);
    const frames = live(606, undefined, 800).map((f, t) =>
      t >= 300 && t % 2 === 0 ? { ...f, concepts: [...f.concepts, { label: 'new sound', weight: 0.3 }] } : f,
    );
    const alarm = run(detector, frames).find((u) => u.event?.kind === 'alarm')!;
    expect(alarm.event!.changed[0]).toMatchObject({ label: 'new sound', referenceRate: 0, referenceMass: 0 });
  });

  it('behaves the same after snapshot and restore through JSON, mid-stream and mid-alarm', () => {
    const frames = live(605, { at: CHANGE_AT, concept: { label: TARGET, rate: 0.3 } });
    frames[1700] = { ...frames[1700], concepts: [...frames[1700].concepts, { label: 'new sound', weight: 0.1 }] };
    const whole = run(new OnlineDriftDetector(reference), frames);
    for (const split of [700, whole.findIndex((u) => u.event?.kind === 'alarm') + 3]) {
      const first = new OnlineDriftDetector(reference);
      const before = run(first, frames.slice(0, split));
      const saved = JSON.parse(JSON.stringify(first.snapshot()));
      const second = OnlineDriftDetector.restore(saved);
      expect(second.statistic).toBe(first.statistic);
      expect(second.alarm).toBe(first.alarm);
      expect([...before, ...run(second, frames.slice(split))]).toEqual(whole);
    }
  });

  it('keeps state of the size of the vocabulary, however many frames it has seen', () => {
    const detector = new OnlineDriftDetector(reference);
    run(detector, live(607, undefined, 200));
    const early = detector.snapshot().state;
    run(detector, live(608, undefined, 3000));
    const late = detector.snapshot().state;
    expect(late.deviation).toHaveLength(early.deviation.length);
    expect(late.upMark.index).toHaveLength(featureCount(reference.labels.length));
  });

  it('refuses a frame with a non-finite cosine and a snapshot of something else', () => {
    const detector = new OnlineDriftDetector(reference);
    const frame = live(609, undefined, 1)[0];
    expect(() => detector.push({ ...frame, cosine: Number.NaN })).toThrow(InvalidInputError);
    expect(() => OnlineDriftDetector.restore({} as never)).toThrow('not a drift detector snapshot');
  });

  it('takes a steady sound whose cosine moves by a thousandth for no change', () => {
    // White noise through the demo model: the same concepts every window and a cosine that varies by ~1e-4. The
    // simulated null of such a reference is almost nothing: its threshold came out at 0.0065, and with a floor of
    // 0.001 under the cosine a shift of its mean by 0.0015 alarmed (the stack's steady stream did). Now the cosine's
    // floor is 0.01 and the threshold at least the Gaussian level of the setting.
    const frame = (i: number, cosine: number): DriftFrame => ({
      streamId: 'noise',
      windowSeq: i,
      startMs: i * 10_000,
      durationMs: 10_000,
      concepts: [
        { label: 'white noise', weight: 0.81 + 0.002 * Math.sin(i) },
        { label: 'whistle', weight: 0.22 },
      ],
      cosine,
      l0: 2,
    });
    const builder = new ReferenceBuilder({ size: 30 });
    for (let i = 0; i < 30; i++) builder.add(frame(i, 0.9629 + 1e-4 * Math.sin(3 * i)));
    const steady = new OnlineDriftDetector(builder.freeze({ falseAlarmsPerDay: 1, seed: 1 }));
    const updates = Array.from({ length: 200 }, (_, i) => steady.push(frame(30 + i, 0.9644 + 1e-4 * Math.sin(3 * i))));
    expect(steady.threshold).toBeGreaterThanOrEqual(3.8);
    expect(updates.filter((u) => u.event).map((u) => [u.event?.kind, u.frameIndex, u.statistic])).toEqual([]);
  });
});
