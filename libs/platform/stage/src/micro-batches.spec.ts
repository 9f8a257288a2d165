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

describe('microBatches, reading ahead', () => {
  it('reads at most one batch ahead of the consumer', async () => {
    let read = 0;
    async function* counted() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    const it = microBatches(counted(), { maxBatch: 4, maxWaitMs: 1000 })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual([0, 1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).toBeLessThanOrEqual(9); // the batch handed out, four read ahead, one being read
    await it.return?.(undefined);
  });

  it('a failing source fails after the inputs it gave before', async () => {
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('decoder died');
    }
    const out: number[][] = [];
    await expect(
      (async () => {
        for await (const b of microBatches(failing(), { maxBatch: 8, maxWaitMs: 1000 })) out.push(b);
      })(),
    ).rejects.toThrow('decoder died');
    expect(out.flat()).toEqual([1, 2]);
  });

  it('stopping early stops the source', async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const b of microBatches(endless(), { maxBatch: 2, maxWaitMs: 1000 })) if (b[0] >= 4) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(true);
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
