import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { type BootstrapOptions, type Interval, bootstrapIntervals, countedMean } from './bootstrap';

/**
 * Retrieval metrics from a similarity matrix (queries × items, row-major) and the relevant items of each query.
 *
 * Ranking: items in decreasing order of score. Ties are broken pessimistically: among items with equal scores
 * the irrelevant ones come first, so a relevant item's position counts every irrelevant item scoring at least as
 * much (a constant score, e.g. a zero reconstruction, earns nothing). With the relevant items' scores sorted in
 * decreasing order s_(1) ≥ … ≥ s_(R), the m-th relevant item is at position p_m = m + #{irrelevant j : s_j ≥ s_(m)}.
 *
 * - R@K (recall at K, as in audio–text retrieval papers): 1 if at least one relevant item is in the top K, else 0.
 * - AP@K: (1 / min(R, K)) · Σ_{k ≤ K} P@k · rel_k, with P@k the fraction of relevant items among the first k and
 *   rel_k = 1 if the item at position k is relevant; equivalently (1 / min(R, K)) · Σ_{m : p_m ≤ K} m / p_m.
 *   mAP@K is its mean over queries.
 * - Queries with no relevant item are left out of every mean (counted as `skipped`).
 */

/** The K of R@K and the depth of mAP reported by `eval retrieval` (the paper's R@1, R@5, R@10 and mAP@10). */
export const RETRIEVAL_DEFAULTS = { ks: [1, 5, 10] as readonly number[], mapDepth: 10 } as const;

export interface RetrievalOptions {
  /** the K of each R@K; default 1, 5, 10 */
  ks?: readonly number[];
  /** K of mAP@K; default 10 */
  mapDepth?: number;
}

/** Per-query values of the queries that have at least one relevant item, in query order. */
export interface RetrievalPerQuery {
  /** index of each evaluated query */
  queries: Int32Array;
  /** number of queries given, evaluated or not */
  total: number;
  /** R@K of each evaluated query (0 or 1), one array per K */
  recallAt: Map<number, Float64Array>;
  /** AP@mapDepth of each evaluated query */
  averagePrecision: Float64Array;
  mapDepth: number;
}

export interface RetrievalSummary {
  /** queries evaluated (with at least one relevant item) */
  evaluated: number;
  /** queries left out: no relevant item */
  skipped: number;
  /** mean R@K per K */
  recallAt: Map<number, number>;
  /** mAP@mapDepth */
  map: number;
}

/** Relevance read from pairs (first row ↔ second row), in both directions. */
export interface PairRelevance {
  /** for each row of the first set, the rows of the second set paired with it (ascending, no duplicates) */
  firstToSecond: number[][];
  /** for each row of the second set, the rows of the first set paired with it */
  secondToFirst: number[][];
}

/**
 * Relevance from a P×2 list of pairs (row-major: pair p is `(pairsPx2[2p], pairsPx2[2p+1])`), e.g. audio row ↔
 * caption row. A row may be in any number of pairs (several captions per clip, or a caption shared by clips); a
 * pair listed twice counts once. Throws on a non-integer or out-of-range index, naming the pair.
 */
export function relevanceFromPairs(
  pairsPx2: ArrayLike<number>,
  nFirst: number,
  nSecond: number,
  names: [string, string] = ['first', 'second'],
): PairRelevance {
  if (pairsPx2.length % 2 !== 0)
    throw new ShapeMismatchError(`pairs hold ${pairsPx2.length} values: expected P×2`, ['P', 2], [pairsPx2.length]);
  const firstToSecond = Array.from({ length: nFirst }, () => new Set<number>());
  const secondToFirst = Array.from({ length: nSecond }, () => new Set<number>());
  for (let p = 0; p < pairsPx2.length / 2; p++) {
    const a = pairsPx2[2 * p];
    const b = pairsPx2[2 * p + 1];
    if (!Number.isInteger(a) || a < 0 || a >= nFirst)
      throw new InvalidInputError(`pair ${p}: ${names[0]} row ${a} is out of range 0..${nFirst - 1}`);
    if (!Number.isInteger(b) || b < 0 || b >= nSecond)
      throw new InvalidInputError(`pair ${p}: ${names[1]} row ${b} is out of range 0..${nSecond - 1}`);
    firstToSecond[a].add(b);
    secondToFirst[b].add(a);
  }
  const sorted = (s: Set<number>) => [...s].sort((x, y) => x - y);
  return { firstToSecond: firstToSecond.map(sorted), secondToFirst: secondToFirst.map(sorted) };
}

/**
 * The pessimistic 1-based positions (see the file comment) of the `relevant` items in the ranking of one query,
 * whose scores are `scores[offset … offset + nItems − 1]`; ascending. One pass over the scores: an item below
 * every relevant score costs one comparison.
 */
export function relevantPositions(
  scores: ArrayLike<number>,
  offset: number,
  nItems: number,
  relevant: readonly number[],
): Int32Array {
  const r = relevant.length;
  const relevantScores = new Float64Array(r);
  const isRelevant = new Set(relevant);
  relevant.forEach((item, m) => {
    if (!Number.isInteger(item) || item < 0 || item >= nItems)
      throw new InvalidInputError(`relevant item ${item} is out of range 0..${nItems - 1}`);
    relevantScores[m] = scores[offset + item];
  });
  relevantScores.sort().reverse();
  // irrelevantAtLeast[m]: irrelevant items scoring ≥ s_(m+1) but < s_(m) (0-based m), summed below.
  const irrelevantAtLeast = new Int32Array(r);
  const lowest = relevantScores[r - 1];
  for (let j = 0; j < nItems; j++) {
    const s = scores[offset + j];
    if (!Number.isFinite(s)) throw new InvalidInputError(`score of item ${j} is ${s}: scores must be finite`);
    if (r === 0 || s < lowest || isRelevant.has(j)) continue;
    let m = 0;
    while (s < relevantScores[m]) m++;
    irrelevantAtLeast[m]++;
  }
  const positions = new Int32Array(r);
  let ahead = 0;
  for (let m = 0; m < r; m++) {
    ahead += irrelevantAtLeast[m];
    positions[m] = m + 1 + ahead;
  }
  return positions;
}

/** R@K of one query from its relevant positions: 1 if the first is within the top K. */
export function recallAtK(positions: Int32Array, k: number): number {
  return positions.length > 0 && positions[0] <= k ? 1 : 0;
}

/** AP@K of one query from its relevant positions: (1 / min(R, K)) · Σ_{m : p_m ≤ K} m / p_m; NaN when R = 0. */
export function averagePrecisionAtK(positions: Int32Array, k: number): number {
  if (positions.length === 0) return NaN;
  let sum = 0;
  for (let m = 0; m < positions.length && positions[m] <= k; m++) sum += (m + 1) / positions[m];
  return sum / Math.min(positions.length, k);
}

/**
 * Per-query R@K and AP@K for a block of queries: `similarityQxI` holds nQueries × nItems scores, `relevantByQuery`
 * the relevant items of each of these queries, and `firstQuery` the index of the block's first query (so blocks
 * of a large matrix can be ranked one at a time and joined with `mergeRetrievalPerQuery`).
 */
export function retrievalPerQuery(
  similarityQxI: ArrayLike<number>,
  nQueries: number,
  nItems: number,
  relevantByQuery: readonly (readonly number[])[],
  options: RetrievalOptions & { firstQuery?: number } = {},
): RetrievalPerQuery {
  if (similarityQxI.length !== nQueries * nItems)
    throw new ShapeMismatchError(
      `similarity holds ${similarityQxI.length} values, expected queries × items = ${nQueries}×${nItems}`,
      [nQueries, nItems],
      [similarityQxI.length],
    );
  if (relevantByQuery.length !== nQueries)
    throw new ShapeMismatchError(
      `relevance given for ${relevantByQuery.length} queries, expected ${nQueries}`,
      [nQueries],
      [relevantByQuery.length],
    );
  const ks = options.ks ?? RETRIEVAL_DEFAULTS.ks;
  const mapDepth = options.mapDepth ?? RETRIEVAL_DEFAULTS.mapDepth;
  for (const k of [...ks, mapDepth])
    if (!Number.isInteger(k) || k < 1) throw new InvalidInputError(`a retrieval cut-off K must be ≥ 1, got ${k}`);
  const evaluated = relevantByQuery.flatMap((relevant, q) => (relevant.length > 0 ? [q] : []));
  const recallAt = new Map(ks.map((k) => [k, new Float64Array(evaluated.length)]));
  const averagePrecision = new Float64Array(evaluated.length);
  evaluated.forEach((q, e) => {
    const positions = relevantPositions(similarityQxI, q * nItems, nItems, relevantByQuery[q]);
    for (const k of ks) recallAt.get(k)![e] = recallAtK(positions, k);
    averagePrecision[e] = averagePrecisionAtK(positions, mapDepth);
  });
  const firstQuery = options.firstQuery ?? 0;
  return {
    queries: Int32Array.from(evaluated, (q) => q + firstQuery),
    total: nQueries,
    recallAt,
    averagePrecision,
    mapDepth,
  };
}

/** Joins the per-query values of consecutive blocks of queries (same K and depth). */
export function mergeRetrievalPerQuery(parts: readonly RetrievalPerQuery[]): RetrievalPerQuery {
  if (parts.length === 0) throw new InvalidInputError('no retrieval results to merge');
  const join = (pick: (p: RetrievalPerQuery) => Float64Array) => {
    const out = new Float64Array(parts.reduce((s, p) => s + pick(p).length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += pick(p).length;
    }
    return out;
  };
  const ks = [...parts[0].recallAt.keys()];
  return {
    queries: Int32Array.from(parts.flatMap((p) => [...p.queries])),
    total: parts.reduce((s, p) => s + p.total, 0),
    recallAt: new Map(ks.map((k) => [k, join((p) => p.recallAt.get(k)!)])),
    averagePrecision: join((p) => p.averagePrecision),
    mapDepth: parts[0].mapDepth,
  };
}

/** Means of the per-query values over the evaluated queries (NaN when none has a relevant item). */
export function summarizeRetrieval(perQuery: RetrievalPerQuery): RetrievalSummary {
  const mean = (xs: Float64Array) => (xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length);
  return {
    evaluated: perQuery.queries.length,
    skipped: perQuery.total - perQuery.queries.length,
    recallAt: new Map([...perQuery.recallAt].map(([k, values]) => [k, mean(values)])),
    map: mean(perQuery.averagePrecision),
  };
}

/**
 * Percentile bootstrap intervals of every R@K and of mAP: the evaluated queries are resampled with replacement
 * (their per-query values are kept, so a resample costs O(queries) and no ranking is redone).
 */
export function retrievalIntervals(
  perQuery: RetrievalPerQuery,
  options: BootstrapOptions,
): { recallAt: Map<number, Interval>; map: Interval } {
  const statistics: Record<string, ReturnType<typeof countedMean>> = { map: countedMean(perQuery.averagePrecision) };
  for (const [k, values] of perQuery.recallAt) statistics[`r${k}`] = countedMean(values);
  const intervals = bootstrapIntervals(perQuery.queries.length, statistics, options);
  return {
    recallAt: new Map([...perQuery.recallAt.keys()].map((k) => [k, intervals[`r${k}`]])),
    map: intervals.map,
  };
}
