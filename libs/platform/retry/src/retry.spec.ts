import { describe, expect, it } from 'vitest';
import { retry } from './retry';
import { sleep } from './sleep';

describe('retry', () => {
  it('calls again after each failure, with growing delays, until a call succeeds', async () => {
    const delays: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 4) throw new Error(`failure ${attempt}`);
        return 'done';
      },
      {
        signal: new AbortController().signal,
        initialMs: 1,
        maxMs: 4,
        random: () => 0.5,
        onRetry: (error, delayMs, attempt) => delays.push(attempt, delayMs, Number(/\d/.exec(String(error))?.[0])),
      },
    );
    expect(result).toBe('done');
    expect(delays).toEqual([1, 1, 1, 2, 2, 2, 3, 4, 3]);
  });

  it('gives up with undefined when aborted, also during a wait', async () => {
    const controller = new AbortController();
    let calls = 0;
    const retrying = retry(
      async () => {
        calls++;
        throw new Error('down');
      },
      { signal: controller.signal, initialMs: 60_000, maxMs: 60_000 },
    );
    await sleep(10);
    controller.abort();
    await expect(retrying).resolves.toBeUndefined();
    expect(calls).toBe(1);
  });
});

describe('sleep', () => {
  it('ends at once when aborted', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
    await expect(sleep(60_000, controller.signal)).resolves.toBeUndefined();
  });
});
