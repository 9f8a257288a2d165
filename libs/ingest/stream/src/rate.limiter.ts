import { InvalidInputError } from '@audio-concepts/shared-errors';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

/**
 * A token bucket per key: `perMinute` requests a minute on average, in bursts of up to `perMinute`. Each key's
 * bucket starts full and refills continuously; a request takes one token or is refused with the seconds until
 * the next token. Keys are bearer tokens, so there are few of them; buckets that are full again are dropped.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(perMinute) || perMinute < 1) {
      throw new InvalidInputError(`rate limit must be a positive integer of requests per minute, got ${perMinute}`);
    }
    this.perMs = perMinute / 60_000;
  }

  take(key: string): RateDecision {
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, atMs: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.atMs) * this.perMs);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  private forgetFull(now: number): void {
    if (this.buckets.size < 64) return;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.atMs) * this.perMs >= this.perMinute) this.buckets.delete(key);
    }
  }
}
