import type { LiveView } from './live.view';
import type { LiveConcept, LiveDriftEvent, LiveFrame } from './live.types';

/* Realistic feed for the specs: two groups (street, studio), three streams, 20 minutes of 10 s windows, a drift
 * alarm in street (sirens came in) and studio still collecting its reference. */

const STREET: LiveConcept[] = [
  { label: 'traffic', weight: 0.21 },
  { label: 'car horn', weight: 0.08 },
  { label: 'footsteps', weight: 0.05 },
  { label: 'wind', weight: 0.03 },
];
const SIREN: LiveConcept[] = [
  { label: 'siren', weight: 0.34 },
  { label: 'traffic', weight: 0.12 },
  { label: 'ambulance', weight: 0.09 },
];
const STUDIO: LiveConcept[] = [
  { label: 'piano', weight: 0.27 },
  { label: 'singing', weight: 0.11 },
  { label: 'reverberation', weight: 0.04 },
];

export const FIXTURE_STREAMS = ['street-cam-1', 'street-cam-2', 'studio-a'] as const;

/** A frame of `streamId` at window `seq`, seen at `seenAtMs`. */
export function fixtureFrame(streamId: string, seq: number, seenAtMs: number, concepts: LiveConcept[]): LiveFrame {
  const jitter = ((seq * 7919) % 13) / 100; // deterministic variety, no randomness
  return {
    streamId,
    streamGroup: streamId.startsWith('street') ? 'street' : 'studio',
    windowSeq: seq,
    startMs: seq * 10_000,
    durationMs: 10_000,
    concepts: concepts.map((c) => ({ label: c.label, weight: Number((c.weight * (0.8 + jitter)).toFixed(4)) })),
    cosine: 0.86 + jitter / 10,
    l0: 30 + (seq % 9),
    fit: 0.95,
    seenAtMs,
  };
}

/** A view's clock that a feed can set to the past; real time (Date.now) when not set. */
export class FixtureClock {
  at: number | undefined;
  readonly now = (): number => this.at ?? Date.now();
}

/**
 * Feeds `view` (whose clock is `clock`) the 20 minutes up to `nowMs`: frames of the three streams, drift states and
 * one alarm event; the clock follows the feed and is real time again at the end.
 */
export function feedFixture(view: LiveView, clock: FixtureClock, nowMs: number): void {
  const start = nowMs - 20 * 60_000;
  for (let seq = 0; seq < 120; seq++) {
    const at = start + seq * 10_000;
    clock.at = at + 2_000;
    const sirens = seq >= 90;
    view.addFrame(fixtureFrame('street-cam-1', seq, at, sirens ? SIREN : STREET));
    view.addFrame(fixtureFrame('street-cam-2', seq, at + 1_000, STREET));
    view.addFrame(fixtureFrame('studio-a', seq, at + 2_000, STUDIO));
    view.setDrift({
      streamGroup: 'street',
      phase: seq < 40 ? 'collecting' : 'watching',
      referenceFrames: Math.min(2 * (seq + 1), 80),
      referenceTarget: 80,
      statistic: seq < 40 ? null : sirens ? 2 + (seq - 90) * 0.5 : 1 + (seq % 5) * 0.2,
      threshold: seq < 40 ? null : 9.5,
      alarm: seq >= 106,
      falseAlarmsPerDay: 0.1,
    });
  }
  view.setDrift({
    streamGroup: 'studio',
    phase: 'collecting',
    referenceFrames: 120,
    referenceTarget: 500,
    statistic: null,
    threshold: null,
    alarm: false,
    falseAlarmsPerDay: 0.1,
  });
  view.addDriftEvent(fixtureAlarm(start + 106 * 10_000));
  clock.at = undefined;
}

export function fixtureAlarm(atMs: number): LiveDriftEvent {
  return {
    streamGroup: 'street',
    kind: 'alarm',
    atMs,
    statistic: 10,
    threshold: 9.5,
    changed: [
      { label: 'siren', referenceRate: 0.01, currentRate: 0.62, q: 0.0004 },
      { label: 'car horn', referenceRate: 0.71, currentRate: 0.35, q: 0.003 },
    ],
    signals: [
      { name: 'cosine', referenceMean: 0.87, currentMean: 0.84, changed: false },
      { name: 'l0', referenceMean: 33, currentMean: 31, changed: false },
    ],
    changeStartMs: atMs - 160_000,
    changeStreamId: 'street-cam-1',
  };
}
