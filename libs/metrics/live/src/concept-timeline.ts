import type { LiveConcept, LiveTimeline } from './live.types';

/** The row that holds every concept outside a group's top concepts. */
export const OTHER_CONCEPT = 'other';

interface Bucket {
  frames: number;
  /** summed weight per tracked concept */
  mass: Map<string, number>;
  /** summed weight of concepts the bucket could not track (it was full) */
  untracked: number;
}

/**
 * One stream group's concept weights in fixed time buckets (a minute each by default) over a sliding period (an
 * hour). Memory is bounded: at most `bucketCount` buckets, each tracking at most `conceptsPerBucket` concepts. When a
 * bucket is full, a new concept heavier than its lightest tracked one takes that one's place (whose mass moves to
 * the untracked sum); a lighter one goes to the untracked sum itself. A bucket's total mass is always exact; a
 * concept's own mass is exact unless it was pushed out of a full bucket, and then the rest shows as `other`.
 */
export class ConceptTimeline {
  private readonly buckets = new Map<number, Bucket>();

  constructor(
    private readonly bucketMs: number,
    private readonly bucketCount: number,
    private readonly conceptsPerBucket: number,
  ) {}

  /** The buckets of the period that ends with the bucket holding `nowMs` (oldest first). */
  bucketStarts(nowMs: number): number[] {
    const last = Math.floor(nowMs / this.bucketMs) * this.bucketMs;
    return Array.from({ length: this.bucketCount }, (_, i) => last - (this.bucketCount - 1 - i) * this.bucketMs);
  }

  /** Adds a frame seen at `atMs`; a frame outside the period that ends at `nowMs` is left out (returns false). */
  add(atMs: number, concepts: readonly LiveConcept[], nowMs: number): boolean {
    const starts = this.bucketStarts(nowMs);
    const start = Math.floor(atMs / this.bucketMs) * this.bucketMs;
    if (start < starts[0] || start > starts[starts.length - 1]) return false;
    this.prune(starts[0]);
    let bucket = this.buckets.get(start);
    if (bucket === undefined) {
      bucket = { frames: 0, mass: new Map(), untracked: 0 };
      this.buckets.set(start, bucket);
    }
    bucket.frames++;
    for (const { label, weight } of concepts) if (weight > 0) this.addMass(bucket, label, weight);
    return true;
  }

  /** The period ending at `nowMs`: the `top` concepts by mass, then `other`; mean weights rounded to `digits`. */
  view(nowMs: number, top: number, digits = 4): LiveTimeline {
    const starts = this.bucketStarts(nowMs);
    this.prune(starts[0]);
    const inPeriod = starts.map((start) => this.buckets.get(start));
    const totals = new Map<string, number>();
    for (const bucket of inPeriod)
      for (const [label, mass] of bucket?.mass ?? []) totals.set(label, (totals.get(label) ?? 0) + mass);
    const ranked = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([label]) => label)
      .filter((label) => label !== OTHER_CONCEPT);
    const shown = ranked.slice(0, top);
    const round = (x: number) => Number(x.toFixed(digits));
    const concepts = shown.map((label) => ({
      label,
      meanWeights: inPeriod.map((b) => (b === undefined ? null : round((b.mass.get(label) ?? 0) / b.frames))),
    }));
    const shownSet = new Set(shown);
    const otherMass = inPeriod.map((b) => {
      if (b === undefined) return null;
      let rest = b.untracked;
      for (const [label, mass] of b.mass) if (!shownSet.has(label)) rest += mass;
      return rest;
    });
    if (otherMass.some((m) => m !== null && m > 0))
      concepts.push({
        label: OTHER_CONCEPT,
        meanWeights: otherMass.map((m, i) => (m === null ? null : round(m / (inPeriod[i] as Bucket).frames))),
      });
    return { bucketStartsMs: starts, frames: inPeriod.map((b) => b?.frames ?? 0), concepts };
  }

  /** Frames in the period ending at `nowMs`. */
  frames(nowMs: number): number {
    return this.bucketStarts(nowMs).reduce((sum, start) => sum + (this.buckets.get(start)?.frames ?? 0), 0);
  }

  /** Buckets held (for the bounds' tests). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(oldestStart: number): void {
    for (const start of this.buckets.keys()) if (start < oldestStart) this.buckets.delete(start);
  }

  private addMass(bucket: Bucket, label: string, weight: number): void {
    const held = bucket.mass.get(label);
    if (held !== undefined) {
      bucket.mass.set(label, held + weight);
      return;
    }
    if (bucket.mass.size < this.conceptsPerBucket) {
      bucket.mass.set(label, weight);
      return;
    }
    let lightest: string | undefined;
    let lightestMass = Infinity;
    for (const [l, m] of bucket.mass)
      if (m < lightestMass) {
        lightest = l;
        lightestMass = m;
      }
    if (lightest !== undefined && weight > lightestMass) {
      bucket.mass.delete(lightest);
      bucket.untracked += lightestMass;
      bucket.mass.set(label, weight);
    } else {
      bucket.untracked += weight;
    }
  }
}
