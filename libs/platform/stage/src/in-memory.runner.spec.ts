import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { runInMemory, type StageRule } from './index';

interface Item {
  stream: string;
  seq: number;
  value: number;
}

/** Doubles values; a negative value is that item's error; value 13 fails the whole batch with `batchError`. */
function doubler(batchError?: Error): StageRule<Item, number> & { batches: number[] } {
  const batches: number[] = [];
  return {
    name: 'doubler',
    batches,
    keyOf: (item) => item.stream,
    seqOf: (item) => item.seq,
    async process(inputs) {
      batches.push(inputs.length);
      if (batchError && inputs.some((item) => item.value === 13)) throw batchError;
      return inputs.map((item) => (item.value < 0 ? new InvalidInputError(`negative: ${item.value}`) : 2 * item.value));
    },
  };
}

const items = (...values: number[]): Item[] => values.map((value, seq) => ({ stream: 's', seq, value }));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('runInMemory', () => {
  it('processes in batches of maxBatch, outputs in input order', async () => {
    const rule = doubler();
    const errors: string[] = [];
    const out = await collect(
      runInMemory(rule, items(1, 2, 3, 4, 5), { maxBatch: 2, onError: (_i, e) => errors.push(e.message) }),
    );
    expect(out).toEqual([2, 4, 6, 8, 10]);
    expect(rule.batches).toEqual([2, 2, 1]);
    expect(errors).toEqual([]);
  });

  it('reports a bad item and goes on with the others', async () => {
    const failed: Array<[number, string, string]> = [];
    const out = await collect(
      runInMemory(doubler(), items(1, -2, 3), {
        maxBatch: 8,
        onError: (item, error, stage) => failed.push([item.seq, error.message, stage]),
      }),
    );
    expect(out).toEqual([2, 6]);
    expect(failed).toEqual([[1, 'negative: -2', 'doubler']]);
  });

  it('a non-retriable whole-batch failure is every input of that batch failing, later batches go on', async () => {
    const failed: number[] = [];
    const out = await collect(
      runInMemory(doubler(new Error('model crashed')), items(13, 1, 2), {
        maxBatch: 2,
        onError: (item) => failed.push(item.seq),
      }),
    );
    expect(failed).toEqual([0, 1]);
    expect(out).toEqual([4]);
  });

  it('throws a retriable whole-batch failure (there is nothing to redo it from)', async () => {
    const rule = doubler(new AudioConceptsError('device busy', { retriable: true }));
    await expect(collect(runInMemory(rule, items(13), { maxBatch: 1, onError: () => undefined }))).rejects.toThrow(
      'device busy',
    );
  });

  it('a rule that returns the wrong number of results fails each input', async () => {
    const rule: StageRule<Item, number> = { ...doubler(), process: async () => [1] };
    const failed: string[] = [];
    await collect(runInMemory(rule, items(1, 2), { maxBatch: 2, onError: (_i, e) => failed.push(e.message) }));
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatch(/returned 1 results for 2 inputs/);
  });

  it('refuses a bad maxBatch', async () => {
    await expect(collect(runInMemory(doubler(), items(1), { maxBatch: 0, onError: () => undefined }))).rejects.toThrow(
      /maxBatch must be a positive integer/,
    );
  });
});
