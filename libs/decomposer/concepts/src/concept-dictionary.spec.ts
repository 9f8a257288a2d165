import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { row, syntheticWorld, unit } from './__fixtures__/synthetic-world';
import { centerConceptDictionary, computeAudioMean } from './concept-dictionary';

describe('centerConceptDictionary', () => {
  const { c, d, textEmbeddingsCxD: T } = syntheticWorld();

  it('has unit rows', () => {
    const C = centerConceptDictionary(T, c, d);
    expect(C.length).toBe(c * d);
    for (let j = 0; j < c; j++) expect(Math.hypot(...row(C, j, d))).toBeCloseTo(1, 14);
  });

  it('is L2rows(L2rows(T) − mean_rows(L2rows(T))), computed directly', () => {
    const normalized = Array.from({ length: c }, (_, j) => unit(row(T, j, d)));
    const mean = Array.from({ length: d }, (_, t) => normalized.reduce((s, v) => s + v[t], 0) / c);
    const expected = normalized.map((v) => unit(v.map((x, t) => x - mean[t])));
    const C = centerConceptDictionary(T, c, d);
    for (let j = 0; j < c; j++) for (let t = 0; t < d; t++) expect(C[j * d + t]).toBeCloseTo(expected[j][t], 13);
  });

  it('does not depend on the norms of the text embeddings', () => {
    const scaled = T.map((x, i) => x * (1 + (Math.floor(i / d) % 5)));
    const a = centerConceptDictionary(T, c, d);
    const b = centerConceptDictionary(scaled, c, d);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
  });

  it('rejects a single concept and identical concepts (nothing left after centering)', () => {
    expect(() => centerConceptDictionary(Float64Array.of(1, 2), 1, 2)).toThrow(InvalidInputError);
    expect(() => centerConceptDictionary(Float64Array.of(1, 2, 2, 4), 2, 2)).toThrow(/concept 0 equals the mean/);
  });

  it('rejects a zero concept embedding, naming its row', () => {
    expect(() => centerConceptDictionary(Float64Array.of(1, 2, 0, 0, 3, 1), 3, 2)).toThrow(
      /concept text embeddings row 1 is all zeros/,
    );
  });
});

describe('computeAudioMean', () => {
  const { d, referenceNxD, nReference: n } = syntheticWorld();

  it('is the mean of the L2-normalized reference rows, kept unnormalized', () => {
    const m = computeAudioMean(referenceNxD, n, d);
    const expected = new Float64Array(d);
    for (let i = 0; i < n; i++) unit(row(referenceNxD, i, d)).forEach((x, t) => (expected[t] += x / n));
    for (let t = 0; t < d; t++) expect(m[t]).toBeCloseTo(expected[t], 14);
    const norm = Math.hypot(...m);
    expect(norm).toBeLessThan(1);
    expect(norm).toBeGreaterThan(0.2);
  });

  it('ignores the norms of the reference embeddings', () => {
    const scaled = referenceNxD.map((x, i) => x * (0.5 + (Math.floor(i / d) % 3)));
    const a = computeAudioMean(referenceNxD, n, d);
    const b = computeAudioMean(scaled, n, d);
    for (let t = 0; t < d; t++) expect(b[t]).toBeCloseTo(a[t], 14);
  });

  it('rejects an empty corpus', () => {
    expect(() => computeAudioMean(new Float64Array(0), 0, d)).toThrow(/audio reference embeddings are empty/);
  });
});
