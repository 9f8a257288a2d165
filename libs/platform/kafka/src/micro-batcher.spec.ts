import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher';

function recorder(options: { maxBatch: number; maxWaitMs: number; fail?: (items: number[]) => boolean }) {
  const batches: number[][] = [];
  let running = 0;
  let overlapped = false;
  const batcher = new MicroBatcher<number>({
    ...options,
    flush: async (items) => {
      overlapped ||= running > 0;
      running++;
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (options.fail?.(items)) throw new Error(`batch ${items.join(',')} failed`);
    },
  });
  return { batcher, batches, overlapped: () => overlapped };
}

describe('MicroBatcher', () => {
  it('flushes full batches at once, in order, one at a time', async () => {
    const { batcher, batches, overlapped } = recorder({ maxBatch: 3, maxWaitMs: 60_000 });
    await Promise.all([batcher.add([1, 2, 3, 4]), batcher.add([5, 6])]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(overlapped()).toBe(false);
  });

  it('flushes a partial batch once its oldest item has waited maxWaitMs', async () => {
    const { batcher, batches } = recorder({ maxBatch: 10, maxWaitMs: 30 });
    const first = batcher.add([1]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = batcher.add([2]);
    expect(batches).toEqual([]);
    await Promise.all([first, second]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('gathers what arrives during a flush into the next batch', async () => {
    const { batcher, batches } = recorder({ maxBatch: 2, maxWaitMs: 0 });
    const first = batcher.add([1]);
    const more = [batcher.add([2]), batcher.add([3])];
    await Promise.all([first, ...more]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('rejects the callers of a failed batch only', async () => {
    const { batcher } = recorder({ maxBatch: 2, maxWaitMs: 0, fail: (items) => items.includes(2) });
    const results = await Promise.allSettled([batcher.add([1, 2]), batcher.add([3])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('drain() flushes a partial batch without waiting', async () => {
    const { batcher, batches } = recorder({ maxBatch: 10, maxWaitMs: 60_000 });
    const pending = batcher.add([1, 2]);
    batcher.drain();
    await pending;
    expect(batches).toEqual([[1, 2]]);
  });
});
