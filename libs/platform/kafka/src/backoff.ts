/** How long to wait before attempt `attempt + 1` (attempt ≥ 1): doubling from `initialMs` up to `maxMs`, ±20 % jitter. */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  // Jitter spreads the retries of several stages that failed together; it needs no reproducible randomness.
  return Math.round(base * (0.8 + 0.4 * Math.random()));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
