import { changeIndex } from './change-point';
import type { DriftFrame } from './drift-frame';
import { rateFeature, SIGNALS } from './feature-space';
import { planTwoSample, type OfflineDriftReport } from './offline-drift';
import { columnSeries } from './sparse-frames';

/** What a plot of an offline drift report shows, over the frames of the current set. */
export interface OfflineDriftTraces {
  /** moving-average window, in frames */
  window: number;
  /** per current frame: the change-point scan (change-point.ts) over the changed features; empty without drift */
  scan: number[];
  /** the report's top changed concepts: activation rate over the last `window` frames, and the reference's rate */
  concepts: { label: string; referenceRate: number; rate: number[] }[];
}

/**
 * Traces for a plot of `report` (from the same frames): the change-point scan and the moving activation rate of up
 * to `top` changed concepts, with a window of about a fiftieth of the current set (at least 5 frames).
 */
export function offlineDriftTraces(
  reference: readonly DriftFrame[],
  current: readonly DriftFrame[],
  report: OfflineDriftReport,
  top = 3,
): OfflineDriftTraces {
  const plan = planTwoSample(reference, current, report.method.block);
  const n = plan.current.rows;
  const window = Math.max(5, Math.round(n / 50));
  const changedLabels = new Set(report.changed.map((c) => c.label));
  const features: number[] = [];
  plan.vocabulary.labels.forEach((label, k) => {
    if (changedLabels.has(label)) features.push(rateFeature(k), rateFeature(k) + 1);
  });
  report.signals.forEach((s) => {
    if (s.changed) features.push(SIGNALS.indexOf(s.name));
  });
  const scan = report.drift && features.length > 0 ? Array.from(changeIndex(plan, features).scan) : [];
  const concepts = report.changed.slice(0, top).map((c) => {
    const k = plan.vocabulary.get(c.label) ?? -1;
    const x = k < 0 ? new Float64Array(n) : columnSeries(plan.current, rateFeature(k));
    const rate: number[] = [];
    let sum = 0;
    for (let t = 0; t < n; t++) {
      sum += x[t] - (t >= window ? x[t - window] : 0);
      rate.push(sum / Math.min(t + 1, window));
    }
    return { label: c.label, referenceRate: c.referenceRate, rate };
  });
  return { window, scan, concepts };
}
