import { ShapeMismatchError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { conceptFit } from './concept-fit';

/** Three orthonormal concept directions e0, e1, e2 in d = 5. */
const c = 3;
const d = 5;
const dictionary = Float64Array.from([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0]);

describe('conceptFit', () => {
  it('is cos(Cᵀw, z) per row: 1 for a z the weights rebuild, the explained share for one with an unexplained part', () => {
    const z = Float64Array.from([
      ...[0.6, 0.8, 0, 0, 0], // = 0.6·e0 + 0.8·e1
      ...[0, 0, 0.6, 0.8, 0], // e3 is in no concept
    ]);
    const w = Float64Array.from([...[0.3, 0.4, 0], ...[0, 0, 2]]);
    const fit = conceptFit(dictionary, c, d, w, z, 2);
    expect(fit[0]).toBeCloseTo(1, 15);
    expect(fit[1]).toBeCloseTo(0.6, 15);
  });

  it('does not depend on the scale of w (the Lasso shrinks it), only on its direction', () => {
    const z = Float64Array.from([0.6, 0, 0, 0.8, 0]);
    const small = conceptFit(dictionary, c, d, Float64Array.from([0.01, 0, 0]), z, 1);
    const large = conceptFit(dictionary, c, d, Float64Array.from([5, 0, 0]), z, 1);
    expect(small[0]).toBeCloseTo(0.6, 15);
    expect(large[0]).toBeCloseTo(0.6, 15);
  });

  it('is 0 when no concept is used (w = 0): nothing is explained', () => {
    expect([...conceptFit(dictionary, c, d, new Float64Array(c), Float64Array.from([1, 0, 0, 0, 0]), 1)]).toEqual([0]);
  });

  it('rejects weights or inputs of the wrong shape', () => {
    const z = new Float64Array(d);
    expect(() => conceptFit(dictionary, c, d, new Float64Array(c + 1), z, 1)).toThrow(ShapeMismatchError);
    expect(() => conceptFit(dictionary, c, d, new Float64Array(c), new Float64Array(d - 1), 1)).toThrow(
      ShapeMismatchError,
    );
  });
});
