import { Backoff, type BackoffOptions } from './backoff';
import { sleep } from './sleep';

export interface RetryOptions extends BackoffOptions {
  /** stops the retries (and the wait between two) */
  signal: AbortSignal;
  /** called after each failure, before the wait: log it here */
  onRetry?(error: unknown, delayMs: number, attempt: number): void;
}

/**
 * Calls `fn` until it resolves, waiting with backoff (`Backoff`) after each failure; for work that must
 * eventually happen, such as connecting to a broker that may come up later. Resolves with `fn`'s result, or
 * with undefined once `signal` aborts before a call succeeded.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T | undefined> {
  const { signal, onRetry } = options;
  const backoff = new Backoff(options);
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal.aborted) break;
      const delayMs = backoff.next();
      onRetry?.(error, delayMs, attempt);
      await sleep(delayMs, signal);
    }
  }
  return undefined;
}
