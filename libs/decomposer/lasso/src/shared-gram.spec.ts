import { describe, expect, it } from 'vitest';
import { SharedGram, SolverKernels } from './shared-gram';

describe('SolverKernels.listAbove (the SIMD scan for KKT violators)', () => {
  const kernelsFor = (c: number) => {
    const shared = SharedGram.create(c);
    return new SolverKernels(shared, shared.allocateSlot(4), 4);
  };

  it('lists, in index order, exactly the concepts whose gradient is strictly above the bound', () => {
    const kernels = kernelsFor(6);
    kernels.g.set([0.5, 0.1, 0.3, 0.30000001, -1, 0.9]);
    expect(kernels.listAbove(0.3)).toBe(3);
    expect(Array.from(kernels.listed.subarray(0, 3))).toEqual([0, 3, 5]);
    expect(kernels.listAbove(1)).toBe(0);
    expect(kernels.listAbove(-Infinity)).toBe(6);
  });

  it('never lists the padding column of an odd c, whatever it holds', () => {
    const kernels = kernelsFor(5); // stride 6: g[5] is padding
    kernels.g.set([0, 0, 0, 0, 2, 7]);
    expect(kernels.listAbove(1)).toBe(1);
    expect(kernels.listed[0]).toBe(4);
  });
});
