/**
 * The runs of `npm run bench:drift` (drift-calibration.ts), each on fresh frames of the scene world of
 * @audio-concepts/metrics-drift/testing: concepts correlated through scenes (a Markov chain, mean dwell 20 windows),
 * 60 concepts, ~8 active per frame, 10 s windows.
 */
import { freezeReference, offlineDrift, OnlineDriftDetector } from '@audio-concepts/metrics-drift';
import { SceneWorld, TARGET } from '@audio-concepts/metrics-drift/testing';

export const WORLD = new SceneWorld({ seed: 7 });
export const SIZES = {
  /** offline null runs: R and C */
  offlineReference: 2000,
  offlineCurrent: 500,
  offlineReplicates: 1000,
  /** online null runs: reference frames, and days of live frames per run */
  onlineReference: 2000,
  onlineDays: 1,
  /** sensitivity: reference, current/live length, change at */
  sensitivityReference: 3000,
  sensitivityCurrent: 1000,
  sensitivityChangeAt: 400,
  onlineSensitivityReference: 4000,
  onlineSensitivityLive: 3000,
  onlineSensitivityChangeAt: 1500,
} as const;

/** Run `run` of the offline null: the smallest corrected q (drift at alpha iff q ≤ alpha, for every alpha ≤ 0.1). */
export function offlineNullRun(run: number): { minQ: number } {
  const reference = WORLD.frames(SIZES.offlineReference, { seed: 1_000_000 + 2 * run });
  const current = WORLD.frames(SIZES.offlineCurrent, { seed: 1_000_001 + 2 * run });
  const report = offlineDrift(reference, current, { alpha: 0.1, replicates: SIZES.offlineReplicates, seed: run + 1 });
  const qs = [...report.changed.map((c) => c.q), ...report.signals.map((s) => s.q)];
  return { minQ: Math.min(1, ...qs) };
}

/** Run `run` of the online null at `perDay`: alarms in `onlineDays` simulated days of frames like the reference's. */
export function onlineNullRun(run: number, perDay: number): { alarms: number; days: number; threshold: number } {
  const reference = freezeReference(WORLD.frames(SIZES.onlineReference, { seed: 2_000_000 + 2 * run }), {
    falseAlarmsPerDay: perDay,
    seed: run + 1,
  });
  const detector = new OnlineDriftDetector(reference);
  const live = WORLD.stream({ seed: 2_000_001 + 2 * run });
  const frames = Math.round(reference.framesPerDay * SIZES.onlineDays);
  let alarms = 0;
  for (let t = 0; t < frames; t++) if (detector.push(live.next()).event?.kind === 'alarm') alarms++;
  return { alarms, days: frames / reference.framesPerDay, threshold: reference.threshold };
}

export type Change = 'rate' | 'cosine';
/** 10 % → 30 % activation of one concept; or every frame's cosine lower by `cosineDrop`, concepts unchanged */
const change = (kind: Change, at: number, cosineDrop: number) =>
  kind === 'rate' ? { at, concept: { label: TARGET, rate: 0.3 } } : { at, cosineDrop };
export const COSINE_DROP = { offline: 0.05, online: 0.1 } as const;

/** Offline at alpha 0.01: detected, named first (rate) or cosine flagged, change-index error. */
export function offlineSensitivityRun(
  run: number,
  kind: Change,
): { detected: boolean; named: boolean; error: number | null } {
  const at = SIZES.sensitivityChangeAt;
  const reference = WORLD.frames(SIZES.sensitivityReference, { seed: 3_000_000 + 2 * run });
  const current = WORLD.frames(SIZES.sensitivityCurrent, {
    seed: 3_000_001 + 2 * run,
    change: change(kind, at, COSINE_DROP.offline),
  });
  const report = offlineDrift(reference, current, { alpha: 0.01, seed: run + 1 });
  const named =
    kind === 'rate' ? report.changed[0]?.label === TARGET : report.signals.find((s) => s.name === 'cosine')!.changed;
  return {
    detected: report.drift,
    named: report.drift && named,
    error: report.changeIndex === null ? null : report.changeIndex - at,
  };
}

/**
 * Online at 1 false alarm per day: alarms before the change, the delay of the first alarm after it (null if none in
 * the live frames), whether that alarm names the concept first (rate) or flags cosine, and its change-point error.
 */
export function onlineSensitivityRun(
  run: number,
  kind: Change,
): { early: number; delay: number | null; named: boolean; error: number | null } {
  const at = SIZES.onlineSensitivityChangeAt;
  const reference = freezeReference(WORLD.frames(SIZES.onlineSensitivityReference, { seed: 4_000_000 + 2 * run }), {
    falseAlarmsPerDay: 1,
    seed: run + 1,
  });
  const detector = new OnlineDriftDetector(reference);
  const live = WORLD.stream({ seed: 4_000_001 + 2 * run, change: change(kind, at, COSINE_DROP.online) });
  let early = 0;
  for (let t = 0; t < SIZES.onlineSensitivityLive; t++) {
    const event = detector.push(live.next()).event;
    if (event?.kind !== 'alarm') continue;
    if (t < at) {
      early++;
      continue;
    }
    const named =
      kind === 'rate' ? event.changed[0]?.label === TARGET : event.signals.find((s) => s.name === 'cosine')!.changed;
    return { early, delay: t - at, named, error: event.changeFrameIndex - at };
  }
  return { early, delay: null, named: false, error: null };
}
