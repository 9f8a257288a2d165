import { InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * How much audio each stream may publish per second of wall clock: a token bucket per stream id, in seconds of
 * audio. A stream may publish `burstS` seconds at once (a whole upload) and `ratePerS` seconds of audio per second
 * on average beyond that; a live stream (1 s per second) never waits. `take` books a window's seconds and says
 * how long to wait before publishing it, so a stream fed faster is slowed down (its client by backpressure), never
 * refused. Buckets that are full again are forgotten.
 */
export class AudioRateLimiter {
  private readonly buckets = new Map<string, { seconds: number; atMs: number }>();

  constructor(
    readonly ratePerS: number,
    readonly burstS: number,
    private readonly clock: () => number = Date.now,
  ) {
    for (const [name, value] of Object.entries({ ratePerS, burstS })) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new InvalidInputError(`audio rate limit: ${name} must be a positive number, got ${value}`);
      }
    }
  }

  /** Books `seconds` of audio for `streamId`; returns the milliseconds to wait before publishing them (0: now). */
  take(streamId: string, seconds: number): number {
    const now = this.clock();
    const bucket = this.buckets.get(streamId) ?? { seconds: this.burstS, atMs: now };
    bucket.seconds = Math.min(this.burstS, bucket.seconds + ((now - bucket.atMs) / 1000) * this.ratePerS);
    bucket.atMs = now;
    bucket.seconds -= seconds;
    this.buckets.set(streamId, bucket);
    this.forgetFull(now);
    return bucket.seconds >= 0 ? 0 : Math.ceil((-bucket.seconds / this.ratePerS) * 1000);
  }

  private forgetFull(now: number): void {
    if (this.buckets.size < 1024) return;
    for (const [id, bucket] of this.buckets) {
      if (bucket.seconds + ((now - bucket.atMs) / 1000) * this.ratePerS >= this.burstS) this.buckets.delete(id);
    }
  }
}
