import { describe, expect, it } from 'vitest';
import { microBatches } from './micro-batches';
import { runInMemory, type StageRule } from './index';

/** An input source a test feeds by hand: `next()` waits until the test pushes or ends. */
function handFed<T>() {
  const queue: Array<IteratorResult<T>> = [];
  let wake: (() => void) | undefined;
  const put = (r: IteratorResult<T>) => {
    queue.push(r);
    wake?.();
  };
  const source: AsyncIterable<T> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        return queue.shift() as IteratorResult<T>;
      },
    }),
  };
  return { source, push: (value: T) => put({ value, done: false }), end: () => put({ value: undefined, done: true }) };
}

const identity: StageRule<number, number> = {
  name: 'identity',
  keyOf: () => 's',
  seqOf: (x) => x,
  process: async (xs) => [...xs],
};

describe('microBatches', () => {
  it('fills batches from inputs that are ready at once', async () => {
    const out: number[][] = [];
    for await (const b of microBatches([1, 2, 3, 4, 5], { maxBatch: 2, maxWaitMs: 1000 })) out.push(b);
    expect(out).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('hands out a partial batch once no further input comes within maxWaitMs (a live source)', async () => {
    const fed = handFed<number>();
    const it = microBatches(fed.source, { maxBatch: 8, maxWaitMs: 20 })[Symbol.asyncIterator]();
    fed.push(1);
    fed.push(2);
    expect(await it.next()).toEqual({ value: [1, 2], done: false }); // the source has not ended: 2 of 8
    fed.push(3);
    fed.end();
    expect(await it.next()).toEqual({ value: [3], done: false });
    expect((await it.next()).done).toBe(true);
  });
});

describe('runInMemory on a live source', () => {
  it('outputs the windows that have come while the source is still open', async () => {
    const fed = handFed<number>();
    const out = runInMemory(identity, fed.source, { maxBatch: 8, maxWaitMs: 20, onError: () => undefined });
    const it = out[Symbol.asyncIterator]();
    fed.push(7);
    expect(await it.next()).toEqual({ value: 7, done: false });
    fed.end();
    expect((await it.next()).done).toBe(true);
  });
});
