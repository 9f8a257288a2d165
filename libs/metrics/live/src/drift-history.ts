import type { LiveDriftPoint } from './live.types';

/**
 * A group's drift statistic over a sliding period, at most one point per slot (period / `maxPoints`): within a slot
 * the point keeps the largest statistic (a spike is never hidden), the latest threshold, and whether any update in
 * the slot was in alarm.
 */
export class DriftHistory {
  private readonly points: LiveDriftPoint[] = [];
  private readonly slotMs: number;

  constructor(
    private readonly periodMs: number,
    private readonly maxPoints: number,
  ) {
    this.slotMs = Math.max(1, Math.floor(periodMs / maxPoints));
  }

  add(atMs: number, statistic: number, threshold: number | null, alarm: boolean): void {
    const last = this.points[this.points.length - 1];
    if (last !== undefined && Math.floor(last.atMs / this.slotMs) >= Math.floor(atMs / this.slotMs)) {
      if (statistic > last.statistic) {
        last.statistic = statistic;
        last.atMs = Math.max(last.atMs, atMs);
      }
      last.threshold = threshold;
      last.alarm = last.alarm || alarm;
      return;
    }
    this.points.push({ atMs, statistic, threshold, alarm });
    if (this.points.length > this.maxPoints + 1) this.points.shift();
  }

  /** The points of the period that ends at `nowMs`, oldest first (copies). */
  view(nowMs: number): LiveDriftPoint[] {
    const oldest = nowMs - this.periodMs;
    while (this.points.length > 0 && this.points[0].atMs < oldest) this.points.shift();
    return this.points.map((p) => ({ ...p }));
  }
}
