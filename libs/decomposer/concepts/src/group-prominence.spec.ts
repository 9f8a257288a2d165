import { describe, expect, it } from 'vitest';
import { groupProminence, ProminenceAccumulator, rankConcepts } from './group-prominence';

const NAMES = ['hum', 'hiss', 'tone', 'siren'];

// 5 windows × 4 concepts, binary fractions so that the sums and means are exact. Group 0: windows 0, 1, 4; group 1: none; group 2: windows 2, 3.
// prettier-ignore
const W = [
  0.25, 0,    0.5,  0,    // group 0
  0.5,  0.75, 0,    0,    // group 0
  0,    0,    0,    0.5,  // group 2
  0,    0,    0,    0,    // group 2: w = 0 counts as 0
  0,    0,    0.25, 0,    // group 0
];
const GROUPS = [0, 0, 2, 2, 0];

describe('groupProminence', () => {
  it('averages w over the windows of each group, zeros included, and ranks the means (hand-computed)', () => {
    const [first, empty, last] = groupProminence({ weightsNxC: W, n: 5, names: NAMES, groupOfRowN: GROUPS, groups: 3 });

    // group 0: hum (0.25+0.5+0)/3 = 0.25, hiss 0.75/3 = 0.25, tone (0.5+0.25)/3 = 0.25: a three-way tie, in concept order
    expect(first.n).toBe(3);
    expect(first.top.map((x) => x.label)).toEqual(['hum', 'hiss', 'tone']);
    expect(first.top.map((x) => x.index)).toEqual([0, 1, 2]);
    expect(first.top.map((x) => x.weight)).toEqual([0.25, 0.25, 0.25]);
    expect(first.meanWeightsC[3]).toBe(0);
    // group 1 has no window: listed, with nothing in it
    expect(empty).toEqual({ n: 0, meanWeightsC: new Float64Array(4), top: [] });
    // group 2: siren (0.5 + 0)/2 = 0.25; the zero window halves it
    expect(last.n).toBe(2);
    expect(last.top).toEqual([{ index: 3, label: 'siren', weight: 0.25 }]);
  });

  it('keeps the top k of each group, cutting a tie in concept order', () => {
    const views = groupProminence({ weightsNxC: W, n: 5, names: NAMES, groupOfRowN: GROUPS, groups: 3, top: 2 });
    expect(views.map((v) => v.top.map((x) => x.label))).toEqual([['hum', 'hiss'], [], ['siren']]);
  });

  it('rejects a group index out of range, a wrong count of group indices and a wrong shape', () => {
    const input = { weightsNxC: W, n: 5, names: NAMES, groupOfRowN: GROUPS, groups: 3 };
    expect(() => groupProminence({ ...input, groups: 2 })).toThrow(/window 2 is in group 2, expected 0 … 1/);
    expect(() => groupProminence({ ...input, groupOfRowN: [0, 0, 1] })).toThrow(/3 group indices for 5 windows/);
    expect(() => groupProminence({ ...input, groupOfRowN: [0, 0, 1.5, 0, 0] })).toThrow(/group 1.5/);
    expect(() => groupProminence({ ...input, n: 4 })).toThrow(/expected n×c = 4×4 = 16/);
  });
});

describe('ProminenceAccumulator', () => {
  it('gives the same means from sparse entries as from dense rows', () => {
    const dense = new ProminenceAccumulator(NAMES);
    const sparse = new ProminenceAccumulator(NAMES);
    dense.addDense(W, 0);
    dense.addDense(W, 12);
    sparse.addSparse([
      { index: 2, weight: 0.5 },
      { index: 0, weight: 0.25 },
    ]);
    sparse.addSparse([]); // a window without any concept
    expect(sparse.result()).toEqual(dense.result());
    // hand-computed: tone 0.5/2 = 0.25, hum 0.25/2 = 0.125
    expect(sparse.result().top.map((x) => [x.label, x.weight])).toEqual([
      ['tone', 0.25],
      ['hum', 0.125],
    ]);
    expect(sparse.n).toBe(2);
  });

  it('reports nothing for no window and rejects an unknown concept index', () => {
    const none = new ProminenceAccumulator(NAMES);
    expect(none.result(5)).toEqual({ n: 0, meanWeightsC: new Float64Array(4), top: [] });
    expect(() => none.addSparse([{ index: 4, weight: 1 }])).toThrow(/concept index 4 is out of range for c = 4/);
  });
});

describe('rankConcepts', () => {
  it('orders by weight, then by concept index, and drops zeros', () => {
    expect(rankConcepts([0.1, 0.3, 0, 0.3], NAMES).map((x) => x.index)).toEqual([1, 3, 0]);
    expect(rankConcepts([0.1, 0.3, 0, 0.3], NAMES, 1).map((x) => x.label)).toEqual(['hiss']);
    expect(rankConcepts([0, 0, 0, 0], NAMES)).toEqual([]);
    expect(() => rankConcepts([0.1], NAMES)).toThrow(/1 weights for 4 concept names/);
    expect(() => rankConcepts([0, 0, 0, 0], NAMES, -1)).toThrow(/top-k count is -1/);
  });
});
