import { describe, expect, it } from 'vitest';
import { ConceptTimeline, OTHER_CONCEPT } from './concept-timeline';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % MINUTE); // a minute boundary

describe('ConceptTimeline', () => {
  it('gives the mean weight per frame of each concept per bucket, null for buckets without frames', () => {
    const timeline = new ConceptTimeline(MINUTE, 60, 100);
    const now = T0 + 59 * MINUTE + 5_000;
    timeline.add(T0 + 58 * MINUTE + 1_000, [{ label: 'rain', weight: 0.4 }], now);
    timeline.add(
      T0 + 58 * MINUTE + 2_000,
      [
        { label: 'rain', weight: 0.2 },
        { label: 'wind', weight: 0.1 },
      ],
      now,
    );
    timeline.add(T0 + 59 * MINUTE, [{ label: 'wind', weight: 0.3 }], now);

    const view = timeline.view(now, 10);
    expect(view.bucketStartsMs).toHaveLength(60);
    expect(view.bucketStartsMs[0]).toBe(T0);
    expect(view.bucketStartsMs[59]).toBe(T0 + 59 * MINUTE);
    expect(view.frames.slice(57)).toEqual([0, 2, 1]);
    const row = (label: string) => view.concepts.find((c) => c.label === label)?.meanWeights.slice(57);
    expect(row('rain')).toEqual([null, 0.3, 0]); // (0.4 + 0.2) / 2 frames; the last minute's frame has no rain
    expect(row('wind')).toEqual([null, 0.05, 0.3]);
    expect(view.concepts.map((c) => c.label)).toEqual(['rain', 'wind']); // by mass: rain 0.6, wind 0.4
  });

  it('orders concepts by mass over the period and folds the rest into other', () => {
    const timeline = new ConceptTimeline(MINUTE, 60, 100);
    const now = T0 + 30 * MINUTE;
    timeline.add(
      now,
      [
        { label: 'a', weight: 0.5 },
        { label: 'b', weight: 0.3 },
        { label: 'c', weight: 0.2 },
        { label: 'd', weight: 0.1 },
      ],
      now,
    );
    const view = timeline.view(now, 2);
    expect(view.concepts.map((c) => c.label)).toEqual(['a', 'b', OTHER_CONCEPT]);
    expect(view.concepts[2].meanWeights[59]).toBeCloseTo(0.3, 10);
  });

  it('drops buckets that leave the period and ignores frames outside it', () => {
    const timeline = new ConceptTimeline(MINUTE, 60, 100);
    timeline.add(T0, [{ label: 'rain', weight: 1 }], T0);
    expect(timeline.frames(T0)).toBe(1);
    const later = T0 + 60 * MINUTE;
    expect(timeline.frames(later)).toBe(0);
    expect(timeline.view(later, 5).concepts).toEqual([]);
    expect(timeline.size).toBe(0);
    expect(timeline.add(later - 61 * MINUTE, [{ label: 'old', weight: 1 }], later)).toBe(false);
    expect(timeline.add(later + 2 * MINUTE, [{ label: 'future', weight: 1 }], later)).toBe(false);
    expect(timeline.size).toBe(0);
  });

  it('keeps a full bucket to its cap: a heavier newcomer replaces the lightest, total mass stays exact', () => {
    const timeline = new ConceptTimeline(MINUTE, 60, 3);
    const now = T0;
    timeline.add(
      now,
      [
        { label: 'a', weight: 0.5 },
        { label: 'b', weight: 0.4 },
        { label: 'c', weight: 0.1 },
        { label: 'd', weight: 0.3 }, // replaces c (0.1), which becomes untracked
        { label: 'e', weight: 0.05 }, // lighter than every tracked one: untracked
      ],
      now,
    );
    const view = timeline.view(now, 10);
    expect(view.concepts.map((c) => c.label)).toEqual(['a', 'b', 'd', OTHER_CONCEPT]);
    expect(view.concepts[3].meanWeights[59]).toBeCloseTo(0.15, 10);
    const total = view.concepts.reduce((sum, c) => sum + (c.meanWeights[59] ?? 0), 0);
    expect(total).toBeCloseTo(1.35, 10);
  });

  it('holds at most the period of buckets however long it runs', () => {
    const timeline = new ConceptTimeline(MINUTE, 60, 4);
    for (let minute = 0; minute < 300; minute++) {
      const at = T0 + minute * MINUTE;
      timeline.add(
        at,
        [
          { label: `c${minute % 17}`, weight: 0.1 },
          { label: `d${minute}`, weight: 0.2 },
        ],
        at,
      );
    }
    expect(timeline.size).toBeLessThanOrEqual(60);
    expect(timeline.frames(T0 + 299 * MINUTE)).toBe(60);
  });
});
