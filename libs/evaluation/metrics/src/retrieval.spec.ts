import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { mulberry32 } from '@audio-concepts/shared-random';
import {
  averagePrecisionAtK,
  mergeRetrievalPerQuery,
  relevanceFromPairs,
  relevantPositions,
  retrievalIntervals,
  retrievalPerQuery,
  summarizeRetrieval,
} from './retrieval';

/**
 * Four queries × five items, worked out by hand (positions are 1-based; ties put irrelevant items first):
 * - q0 scores .9 .8 .7 .6 .5, relevant {1, 3}: ranking 0 1 2 3 4 → positions 2, 4.
 *   R@1 0, R@3 1; AP@10 = ½(1/2 + 2/4) = 0.5; AP@3 = ½(1/2) = 0.25.
 * - q1 scores .1 .2 .3 .4 .5, relevant {4}: position 1. R@1 1, R@3 1, AP 1.
 * - q2 scores .5 .5 .5 .2 .5, relevant {0}: three irrelevant items tie with it and go first → position 4.
 *   R@1 0, R@3 0; AP@10 = 1/4; AP@3 = 0.
 * - q3 has no relevant item: left out of the means, counted as skipped.
 * Means over 3 queries: R@1 1/3, R@3 2/3, mAP@10 = (0.5 + 1 + 0.25)/3, mAP@3 = (0.25 + 1 + 0)/3.
 */
const S = Float64Array.of(
  ...[0.9, 0.8, 0.7, 0.6, 0.5],
  ...[0.1, 0.2, 0.3, 0.4, 0.5],
  ...[0.5, 0.5, 0.5, 0.2, 0.5],
  ...[0.3, 0.1, 0.2, 0.9, 0.4],
);
const RELEVANT = [[1, 3], [4], [0], []];

describe('retrieval metrics on a hand-computed matrix', () => {
  it('R@K and mAP@10 with several relevant items, ties and a query without relevant items', () => {
    const perQuery = retrievalPerQuery(S, 4, 5, RELEVANT, { ks: [1, 3] });
    expect([...perQuery.queries]).toEqual([0, 1, 2]);
    expect([...perQuery.recallAt.get(1)!]).toEqual([0, 1, 0]);
    expect([...perQuery.recallAt.get(3)!]).toEqual([1, 1, 0]);
    expect([...perQuery.averagePrecision]).toEqual([0.5, 1, 0.25]);
    const summary = summarizeRetrieval(perQuery);
    expect(summary.evaluated).toBe(3);
    expect(summary.skipped).toBe(1);
    expect(summary.recallAt.get(1)).toBeCloseTo(1 / 3, 15);
    expect(summary.recallAt.get(3)).toBeCloseTo(2 / 3, 15);
    expect(summary.map).toBeCloseTo(1.75 / 3, 15);
  });

  it('mAP@3 counts only the first three positions', () => {
    const summary = summarizeRetrieval(retrievalPerQuery(S, 4, 5, RELEVANT, { ks: [1], mapDepth: 3 }));
    expect(summary.map).toBeCloseTo(1.25 / 3, 15);
  });

  it('ties between relevant and irrelevant items: irrelevant first, whatever the item order', () => {
    // scores .7 .7 .7 .9, relevant {0, 2}: ranking 3, 1, then 0 and 2 → positions 3, 4; AP = ½(1/3 + 2/4) = 5/12
    expect([...relevantPositions([0.7, 0.7, 0.7, 0.9], 0, 4, [0, 2])]).toEqual([3, 4]);
    expect(averagePrecisionAtK(Int32Array.of(3, 4), 10)).toBeCloseTo(5 / 12, 15);
    // a constant score (e.g. a zero reconstruction) ranks every relevant item last
    expect([...relevantPositions([0, 0, 0, 0, 0], 0, 5, [0])]).toEqual([5]);
  });

  it('AP@10 divides by min(R, 10): twelve relevant items on top give 1', () => {
    const scores = Float64Array.from({ length: 15 }, (_, j) => 15 - j);
    const relevant = Array.from({ length: 12 }, (_, j) => j);
    expect(averagePrecisionAtK(relevantPositions(scores, 0, 15, relevant), 10)).toBe(1);
  });

  it('equals the definition Σ P@k·rel_k / min(R, K) over an explicit sort, on random matrices with ties', () => {
    const rand = mulberry32(5);
    const nQ = 40;
    const nI = 30;
    // scores on a coarse grid so that ties are frequent
    const scores = Float64Array.from({ length: nQ * nI }, () => Math.floor(rand() * 6) / 6);
    const relevant = Array.from({ length: nQ }, () =>
      Array.from({ length: nI }, (_, j) => j).filter(() => rand() < 0.1),
    );
    const perQuery = retrievalPerQuery(scores, nQ, nI, relevant);
    perQuery.queries.forEach((q, e) => {
      const rel = new Set(relevant[q]);
      const order = Array.from({ length: nI }, (_, j) => j).sort(
        (a, b) => scores[q * nI + b] - scores[q * nI + a] || Number(rel.has(a)) - Number(rel.has(b)),
      );
      let hits = 0;
      let ap = 0;
      order.slice(0, 10).forEach((item, position) => {
        if (!rel.has(item)) return;
        hits++;
        ap += hits / (position + 1);
      });
      expect(perQuery.averagePrecision[e]).toBeCloseTo(ap / Math.min(rel.size, 10), 12);
      for (const k of [1, 5, 10])
        expect(perQuery.recallAt.get(k)![e]).toBe(order.slice(0, k).some((item) => rel.has(item)) ? 1 : 0);
    });
  });

  it('blocks of queries merged give the same values as the whole matrix', () => {
    const whole = retrievalPerQuery(S, 4, 5, RELEVANT);
    const merged = mergeRetrievalPerQuery([
      retrievalPerQuery(S.subarray(0, 10), 2, 5, RELEVANT.slice(0, 2)),
      retrievalPerQuery(S.subarray(10), 2, 5, RELEVANT.slice(2), { firstQuery: 2 }),
    ]);
    expect(merged).toEqual(whole);
  });

  it('rejects non-finite scores and shapes that do not match', () => {
    expect(() => retrievalPerQuery([0.1, NaN], 1, 2, [[0]])).toThrow('score of item 1 is NaN');
    expect(() => retrievalPerQuery(S, 4, 4, RELEVANT)).toThrow('expected queries × items = 4×4');
    expect(() => retrievalPerQuery(S, 4, 5, RELEVANT.slice(1))).toThrow('relevance given for 3 queries, expected 4');
  });
});

describe('relevanceFromPairs: several captions per clip, both directions', () => {
  it('reads audio→captions and caption→audio, a repeated pair once', () => {
    const pairs = Int32Array.of(0, 0, 0, 1, 1, 2, 1, 3, 0, 1, 2, 4);
    const relevance = relevanceFromPairs(pairs, 4, 5);
    expect(relevance.firstToSecond).toEqual([[0, 1], [2, 3], [4], []]);
    expect(relevance.secondToFirst).toEqual([[0], [0], [1], [1], [2]]);
  });

  it('audio→text and text→audio of a 2-clip, 4-caption example', () => {
    // clip 0 ↔ captions 0, 1; clip 1 ↔ captions 2, 3. Similarity clips × captions:
    //   clip 0: .9 .1 .8 .2 → captions 0 (rel) 2 3 1 (rel): positions 1, 4; AP = ½(1 + 2/4) = 3/4, R@1 1
    //   clip 1: .3 .7 .6 .5 → captions 1 2 (rel) 3 (rel) 0: positions 2, 3; AP = ½(1/2 + 2/3) = 7/12, R@1 0
    // text→audio (the transpose): caption 0 .9/.3 → clip 0 first (rel): AP 1; caption 1 .1/.7 → clip 0 second: ½;
    //   caption 2 .8/.6 → clip 1 second: ½; caption 3 .2/.5 → clip 1 first: 1. R@1 = 2/4, mAP = 3/4.
    const sim = Float64Array.of(0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.6, 0.5);
    const transposed = Float64Array.of(0.9, 0.3, 0.1, 0.7, 0.8, 0.6, 0.2, 0.5);
    const { firstToSecond, secondToFirst } = relevanceFromPairs([0, 0, 0, 1, 1, 2, 1, 3], 2, 4);
    const a2t = summarizeRetrieval(retrievalPerQuery(sim, 2, 4, firstToSecond));
    expect(a2t.recallAt.get(1)).toBe(0.5);
    expect(a2t.map).toBeCloseTo((3 / 4 + 7 / 12) / 2, 15);
    const t2a = summarizeRetrieval(retrievalPerQuery(transposed, 4, 2, secondToFirst));
    expect(t2a.recallAt.get(1)).toBe(0.5);
    expect(t2a.map).toBeCloseTo(0.75, 15);
  });

  it('names the pair whose row is out of range or not an integer', () => {
    expect(() => relevanceFromPairs([0, 0, 2, 1], 2, 4, ['audio', 'caption'])).toThrow(
      'pair 1: audio row 2 is out of range 0..1',
    );
    expect(() => relevanceFromPairs([0, 4], 2, 4, ['audio', 'caption'])).toThrow(InvalidInputError);
    expect(() => relevanceFromPairs([0, 1.5], 2, 4)).toThrow('pair 0: second row 1.5 is out of range');
    expect(() => relevanceFromPairs([0, 1, 2], 2, 4)).toThrow('expected P×2');
  });
});

describe('retrievalIntervals', () => {
  it('resamples the queries: intervals hold the estimate and are the same for the same seed', () => {
    const rand = mulberry32(9);
    const n = 50;
    const scores = Float64Array.from({ length: n * n }, () => rand());
    for (let q = 0; q < n; q++) scores[q * n + q] += 0.5 * rand();
    const perQuery = retrievalPerQuery(
      scores,
      n,
      n,
      Array.from({ length: n }, (_, q) => [q]),
    );
    const summary = summarizeRetrieval(perQuery);
    const ci = retrievalIntervals(perQuery, { resamples: 300, seed: 1 });
    expect(retrievalIntervals(perQuery, { resamples: 300, seed: 1 })).toEqual(ci);
    for (const k of [1, 5, 10]) {
      const [lo, hi] = ci.recallAt.get(k)!;
      expect(lo).toBeLessThanOrEqual(summary.recallAt.get(k)!);
      expect(hi).toBeGreaterThanOrEqual(summary.recallAt.get(k)!);
    }
    expect(ci.map[0]).toBeLessThan(summary.map);
    expect(ci.map[1]).toBeGreaterThan(summary.map);
  });
});
