/**
 * Throughput of the drift library (@audio-concepts/metrics-drift) on one core, at AudioSet's vocabulary size:
 * 543 concepts, ~10 active per frame (the scene world of its testing module). Used by `npm run bench:metrics`.
 */
import { freezeReference, offlineDrift, OnlineDriftDetector, type DriftFrame } from '@audio-concepts/metrics-drift';
import { SceneWorld } from '@audio-concepts/metrics-drift/testing';

export interface BenchRow {
  what: string;
  value: string;
}

export function driftThroughput(options: { concepts?: number; liveFrames?: number } = {}): BenchRow[] {
  const concepts = options.concepts ?? 543;
  const liveFrames = options.liveFrames ?? 20_000;
  const world = new SceneWorld({ concepts, activePerFrame: 10, seed: 7 });
  const referenceFrames = world.frames(4000, { seed: 1 });
  const live: DriftFrame[] = world.frames(liveFrames, { seed: 2 });
  const active = live.reduce((s, f) => s + f.concepts.length, 0) / live.length;

  let t = performance.now();
  const reference = freezeReference(referenceFrames, { falseAlarmsPerDay: 1, seed: 1 });
  const freezeMs = performance.now() - t;

  const detector = new OnlineDriftDetector(reference);
  for (let i = 0; i < 2000; i++) detector.push(live[i]); // warm-up (JIT)
  const passes = 3;
  t = performance.now();
  for (let p = 0; p < passes; p++) for (const frame of live) detector.push(frame);
  const pushPerS = (passes * live.length) / ((performance.now() - t) / 1000);

  const current = live.slice(0, 1000);
  t = performance.now();
  offlineDrift(referenceFrames, current, { replicates: 2000 });
  const offlineMs = performance.now() - t;

  return [
    { what: 'vocabulary (concepts) / mean active concepts per frame', value: `${concepts} / ${active.toFixed(1)}` },
    { what: 'online detector push (frames/s, one core)', value: pushPerS.toFixed(0) },
    {
      what: `freeze a reference of 4000 frames for 1 false alarm/day (${reference.calibration.simulatedFrames} simulated frames)`,
      value: `${(freezeMs / 1000).toFixed(2)} s`,
    },
    { what: 'offline test, 4000 vs 1000 frames, 2000 replicates', value: `${(offlineMs / 1000).toFixed(2)} s` },
  ];
}
