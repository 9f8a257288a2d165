import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { clusteredVocabulary, embeddingsForTags } from './clustered';
import type { Candidates } from './candidates';

/**
 * Three tight clusters of near-duplicate tags in d = 16: in each, one tag sits on the cluster's centre and the
 * other two at centre ± the same small offset, so the centroid of the (L2-normalised) cluster is the centre and
 * the tag written for it is known. Counts put the tags in the candidates' order.
 */
const CLUSTERS = [
  { centre: 0, onCentre: 'dog barking', around: ['dog bark', 'barking dog'] },
  { centre: 5, onCentre: 'rain', around: ['light rain', 'rain on roof'] },
  { centre: 10, onCentre: 'engine', around: ['car engine', 'motor'] },
];
const D = 16;

function nearDuplicates(): { candidates: Candidates; data: Float64Array } {
  const rows: [string, number[]][] = [];
  const normal = gaussian(mulberry32(7));
  for (const { centre, onCentre, around } of CLUSTERS) {
    const base = Array.from({ length: D }, (_, t) => (t === centre ? 1 : 0));
    const offset = Array.from({ length: D }, (_, t) => (t === centre ? 0 : 0.05 * normal()));
    rows.push([onCentre, base]);
    rows.push([around[0], base.map((v, t) => v + offset[t])]);
    rows.push([around[1], base.map((v, t) => v - offset[t])]);
  }
  // candidates are in frequency order: the "around" tags are made more frequent than the one on the centre
  const counts = rows.map((_, i) => 100 - 10 * (i % 3 === 0 ? 1 : 0) - i);
  const order = rows.map((_, i) => i).sort((a, b) => counts[b] - counts[a]);
  return {
    candidates: { tags: order.map((i) => rows[i][0]), counts: order.map((i) => counts[i]), expletives: [] },
    data: Float64Array.from(order.flatMap((i) => rows[i][1].map((v) => v * (1 + i)))), // unnormalised on purpose
  };
}

describe('clustered', () => {
  it('collapses each cluster of near-duplicate tags to the tag nearest its centroid, for any seed', async () => {
    const { candidates, data } = nearDuplicates();
    for (const seed of [1, 2, 3, 4, 5]) {
      const v = await clusteredVocabulary(candidates, { data, rows: 9, cols: D }, { size: 3, seed });
      expect([...v.terms].sort()).toEqual(['dog barking', 'engine', 'rain']);
      expect(v.groups.map((g) => [...g].sort())).toEqual(
        v.terms.map((t) => {
          const c = CLUSTERS.find((x) => x.onCentre === t)!;
          return [c.onCentre, ...c.around].sort();
        }),
      );
      // written in the candidates' (frequency) order, with each tag's own count
      expect(v.terms.map((t) => candidates.tags.indexOf(t))).toEqual(
        [...v.terms.map((t) => candidates.tags.indexOf(t))].sort((a, b) => a - b),
      );
      expect(v.counts).toEqual(v.terms.map((t) => candidates.counts[candidates.tags.indexOf(t)]));
    }
  });

  it('is deterministic for a seed', async () => {
    const { candidates, data } = nearDuplicates();
    const run = (seed: number) => clusteredVocabulary(candidates, { data, rows: 9, cols: D }, { size: 5, seed });
    const [a, b] = [await run(11), await run(11)];
    expect(a.terms).toEqual(b.terms);
    expect(a.groups).toEqual(b.groups);
    expect(a.notes).toEqual(b.notes);
  });

  it('refuses more clusters than tags, and a zero embedding', async () => {
    const { candidates, data } = nearDuplicates();
    await expect(clusteredVocabulary(candidates, { data, rows: 9, cols: D }, { size: 10, seed: 1 })).rejects.toThrow(
      'cannot make 10 clusters of 9 candidate tags; ask for --size ≤ 9',
    );
    const zero = Float64Array.from(data);
    zero.fill(0, 2 * D, 3 * D);
    await expect(
      clusteredVocabulary(candidates, { data: zero, rows: 9, cols: D }, { size: 3, seed: 1 }),
    ).rejects.toThrow(`the embedding of tag '${candidates.tags[2]}' (row 2) has norm 0`);
  });
});

describe('precomputed embeddings', () => {
  const matrix = { data: [1, 0, 0, 1, 2, 2], rows: 3, cols: 2 };

  it('are matched to the candidates by name; extra rows are ignored', () => {
    const e = embeddingsForTags(['rain', 'dog'], ['Dog', 'wind', 'rain'], matrix, 'T.names.txt');
    expect(Array.from(e.data)).toEqual([2, 2, 1, 0]);
    expect(e).toMatchObject({ rows: 2, cols: 2 });
  });

  it('name the tags that have none', () => {
    expect(() => embeddingsForTags(['rain', 'snow'], ['dog', 'wind', 'rain'], matrix, 'T.names.txt')).toThrow(
      "T.names.txt: no embedding for 1 of the 2 candidate tags ('snow')",
    );
    expect(() => embeddingsForTags(['rain'], ['rain'], matrix, 'T.names.txt')).toThrow(
      'T.names.txt: 1 names for 3 embedding rows',
    );
  });
});
