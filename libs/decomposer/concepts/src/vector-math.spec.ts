import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosine, cosineRows, dot, l2NormalizeRows, meanRows, nrm2 } from './vector-math';

describe('dot / nrm2 / cosine (ndarray form)', () => {
  const x = Float64Array.of(1, 2, 3, 4, 5, 6);
  const y = Float64Array.of(6, 5, 4, 3, 2, 1);

  it('reads contiguous vectors', () => {
    expect(dot(6, x, 1, 0, y, 1, 0)).toBe(56);
    expect(nrm2(2, Float64Array.of(3, 4), 1, 0)).toBe(5);
  });

  it('honours offsets and strides', () => {
    // x[1], x[3], x[5] = 2, 4, 6 against y[0], y[2], y[4] = 6, 4, 2
    expect(dot(3, x, 2, 1, y, 2, 0)).toBe(2 * 6 + 4 * 4 + 6 * 2);
    expect(nrm2(2, x, 3, 0)).toBeCloseTo(Math.hypot(1, 4), 15);
  });

  it('honours negative strides (offset is the first element read)', () => {
    // x reversed: 6, 5, 4 against y: 6, 5, 4
    expect(dot(3, x, -1, 5, y, 1, 0)).toBe(36 + 25 + 16);
    expect(cosine(6, x, -1, 5, y, 1, 0)).toBeCloseTo(1, 15);
  });

  it('is zero for n ≤ 0', () => {
    expect(dot(0, x, 1, 0, y, 1, 0)).toBe(0);
    expect(dot(-3, x, 1, 0, y, 1, 0)).toBe(0);
    expect(nrm2(-1, x, 1, 0)).toBe(0);
    expect(cosine(0, x, 1, 0, y, 1, 0)).toBe(0);
  });

  it('gives cosine 0 for a zero vector and ±1 for (anti)parallel ones', () => {
    expect(cosine(3, Float64Array.of(0, 0, 0), 1, 0, x, 1, 0)).toBe(0);
    expect(cosine(3, x, 1, 0, Float64Array.of(-2, -4, -6), 1, 0)).toBeCloseTo(-1, 15);
  });
});

describe('l2NormalizeRows', () => {
  it('gives unit rows pointing the same way (property)', () => {
    const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(finite, { minLength: 40, maxLength: 40 }),
        (n, d, pool) => {
          const m = Float64Array.from({ length: n * d }, (_, i) => pool[i % pool.length] + 1e-3);
          const out = l2NormalizeRows(m, n, d, 'm');
          for (let i = 0; i < n; i++) {
            if (nrm2(d, m, 1, i * d) === 0) continue;
            expect(nrm2(d, out, 1, i * d)).toBeCloseTo(1, 12);
            expect(cosine(d, out, 1, i * d, m, 1, i * d)).toBeCloseTo(1, 12);
          }
        },
      ),
    );
  });

  it('rejects a zero row, naming the row and the matrix', () => {
    const m = Float64Array.of(1, 2, 0, 0, 3, 4);
    expect(() => l2NormalizeRows(m, 3, 2, 'prompt embeddings')).toThrow(InvalidInputError);
    expect(() => l2NormalizeRows(m, 3, 2, 'prompt embeddings')).toThrow(/prompt embeddings row 1 is all zeros/);
  });

  it('rejects a shape that does not match and non-finite values', () => {
    expect(() => l2NormalizeRows(new Float64Array(5), 2, 3, 'm')).toThrow(ShapeMismatchError);
    expect(() => l2NormalizeRows(new Float64Array(5), 2, 3, 'm')).toThrow(/m has 5 values, expected n×d = 2×3 = 6/);
    expect(() => l2NormalizeRows(Float64Array.of(1, 2, 3, NaN), 2, 2, 'm')).toThrow(NonFiniteValueError);
    expect(() => l2NormalizeRows(Float64Array.of(1, 2, 3, NaN), 2, 2, 'm')).toThrow(/NaN at row 1, column 1/);
  });
});

describe('meanRows / cosineRows', () => {
  it('averages rows', () => {
    expect(Array.from(meanRows(Float64Array.of(1, 2, 3, 6), 2, 2, 'm'))).toEqual([2, 4]);
  });

  it('refuses the mean of zero rows', () => {
    expect(() => meanRows(new Float64Array(0), 0, 3, 'corpus')).toThrow(/corpus has no rows/);
  });

  it('gives the cosine of matching rows', () => {
    const a = Float64Array.of(1, 0, 0, 1, 0, 0);
    const b = Float64Array.of(2, 0, 1, 0, 3, 3);
    const out = cosineRows(a, b, 3, 2);
    expect(out[0]).toBeCloseTo(1, 15);
    expect(out[1]).toBeCloseTo(0, 15);
    expect(out[2]).toBe(0);
  });
});
