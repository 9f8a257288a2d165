import { InvalidInputError } from '@audio-concepts/shared-errors';

/** The delays of every retry loop unless it says otherwise: 1 s doubling up to 30 s. */
export const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000 } as const;

export interface BackoffOptions {
  /** first delay; default 1 s */
  initialMs?: number;
  /** largest delay; default 30 s */
  maxMs?: number;
  /** random numbers in [0, 1) for the jitter; default Math.random */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (1, 2, …): `initialMs` doubling up to `maxMs`, scaled by a random
 * factor in [0.8, 1.2) and never above `maxMs`. The jitter keeps many clients that failed together (stages,
 * sources) from retrying in step.
 */
export function backoffDelayMs(
  attempt: number,
  initialMs: number = DEFAULT_BACKOFF.initialMs,
  maxMs: number = DEFAULT_BACKOFF.maxMs,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 52));
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}

/** `backoffDelayMs` with the attempt counted for you, for a loop that also starts over (`reset`) after a good run. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new InvalidInputError(
        `backoff needs 0 < initialMs <= maxMs, got initialMs=${this.initialMs}, maxMs=${this.maxMs}`,
      );
    }
  }

  /** The next delay in milliseconds. */
  next(): number {
    this.attempt = Math.min(this.attempt + 1, 53);
    return backoffDelayMs(this.attempt, this.initialMs, this.maxMs, this.random);
  }

  /** Back to the first delay (after a run that went well). */
  reset(): void {
    this.attempt = 0;
  }
}
