import { describe, expect, it } from 'vitest';
import { Rng } from './random';
import { applyReadout, fitReadout } from './readout.fit';

describe('fitReadout', () => {
  it('recovers an exact linear map (weights and unpenalized bias) when λ is tiny', () => {
    const rng = new Rng(7);
    const [n, f, k] = [200, 5, 3];
    const w = Array.from({ length: f * k }, () => rng.normal());
    const b = [0.5, -1, 2];
    const x = Float64Array.from({ length: n * f }, () => rng.uniform());
    const y = new Float64Array(n * k);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < k; c++) {
        y[i * k + c] = b[c];
        for (let j = 0; j < f; j++) y[i * k + c] += x[i * f + j] * w[j * k + c];
      }
    const readout = fitReadout(x, y, n, 1e-9);
    expect(readout.nFeatures).toBe(f);
    expect(readout.nConcepts).toBe(k);
    readout.weightsFxK.forEach((v, i) => expect(v).toBeCloseTo(w[i], 5));
    readout.biasK.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    // applyReadout is relu(x·W + b).
    const scores = applyReadout(readout, x, n);
    scores.forEach((s, i) => expect(s).toBeCloseTo(Math.max(0, y[i]), 5));
  });

  it('shrinks the weights, but not the bias, as λ grows', () => {
    const x = Float64Array.from([0, 1, 2, 3]);
    const y = Float64Array.from([1, 3, 5, 7]); // y = 2x + 1
    const loose = fitReadout(x, y, 4, 1e-9);
    const tight = fitReadout(x, y, 4, 1e6);
    expect(loose.weightsFxK[0]).toBeCloseTo(2, 6);
    expect(Math.abs(tight.weightsFxK[0])).toBeLessThan(1e-3);
    expect(tight.biasK[0]).toBeCloseTo(4, 2); // the mean of y
  });

  it('rejects features and targets that do not have n rows', () => {
    expect(() => fitReadout(new Float64Array(5), new Float64Array(4), 2)).toThrow(RangeError);
  });
});
