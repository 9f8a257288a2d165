import type { OfflineDriftReport } from '@audio-concepts/metrics-drift';

/**
 * The `drift --json` object, keys in this order (scripts rely on them): drift, statistic, threshold, alpha,
 * n_reference, n_current, change_index, changed [{label, reference_rate, current_rate, reference_mass,
 * current_mass, q}], signals [{name, reference_mean, current_mean, q, changed}]. Numbers to 6 decimals.
 */
export function driftJson(report: OfflineDriftReport): string {
  return JSON.stringify({
    drift: report.drift,
    statistic: round6(report.statistic),
    threshold: round6(report.threshold),
    alpha: report.alpha,
    n_reference: report.nReference,
    n_current: report.nCurrent,
    change_index: report.changeIndex,
    changed: report.changed.map((c) => ({
      label: c.label,
      reference_rate: round6(c.referenceRate),
      current_rate: round6(c.currentRate),
      reference_mass: round6(c.referenceMass),
      current_mass: round6(c.currentMass),
      q: round6(c.q),
    })),
    signals: report.signals.map((s) => ({
      name: s.name,
      reference_mean: round6(s.referenceMean),
      current_mean: round6(s.currentMean),
      q: round6(s.q),
      changed: s.changed,
    })),
  });
}

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
