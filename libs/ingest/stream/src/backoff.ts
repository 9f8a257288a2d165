import { InvalidInputError } from '@audio-concepts/shared-errors';

export interface BackoffOptions {
  /** first delay; default 1 s */
  initialMs?: number;
  /** largest delay; default 30 s */
  maxMs?: number;
  /** random numbers in [0, 1) for the jitter; default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with jitter: delays of about 1, 2, 4, … s up to 30 s, each scaled by a random factor
 * in [0.8, 1.2) (never above the maximum) so that restarts of many sources do not fall in step.
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1_000;
    this.maxMs = options.maxMs ?? 30_000;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new InvalidInputError(
        `backoff needs 0 < initialMs <= maxMs, got initialMs=${this.initialMs}, maxMs=${this.maxMs}`,
      );
    }
  }

  /** The next delay in milliseconds. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 52);
    return Math.round(Math.min(this.maxMs, base * (0.8 + 0.4 * this.random())));
  }

  /** Back to the first delay (after a run that went well). */
  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects); the stages' own. */
export { sleep } from '@audio-concepts/platform-kafka';
