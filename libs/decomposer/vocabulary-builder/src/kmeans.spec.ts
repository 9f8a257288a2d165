import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { kmeans } from './kmeans';

describe('kmeans', () => {
  it('finds two groups on a line, with the inertia computed by hand', async () => {
    const points = Float64Array.from([0, 10, 0.1, 10.1, 0.2]);
    const r = await kmeans(points, 5, 1, 2, { seed: 3 });
    const [a, b] = [r.assignments[0], r.assignments[1]];
    expect(a).not.toBe(b);
    expect(Array.from(r.assignments)).toEqual([a, b, a, b, a]);
    expect(r.centroidsKxD[a]).toBeCloseTo(0.1, 12);
    expect(r.centroidsKxD[b]).toBeCloseTo(10.05, 12);
    // 0.01 + 0 + 0.01 around 0.1, 0.0025 × 2 around 10.05
    expect(r.inertia).toBeCloseTo(0.025, 12);
    expect(r.converged).toBe(true);
  });

  it('gives k distinct clusters even with duplicate points, and k = n has zero inertia', async () => {
    const points = Float64Array.from([1, 1, 1, 1, 2, 2, 2, 2, 3, 3]); // 5 points in 2-D, two pairs repeated
    const r = await kmeans(points, 5, 2, 3, { seed: 1 });
    expect(new Set(r.assignments).size).toBe(3);
    expect(r.inertia).toBe(0);
    expect((await kmeans(points, 5, 2, 5, { seed: 1 })).inertia).toBe(0);
  });

  it('lowers the inertia at every Lloyd iteration and reports it', async () => {
    const normal = gaussian(mulberry32(5));
    const points = Float64Array.from({ length: 300 * 8 }, normal);
    const inertias: number[] = [];
    const r = await kmeans(points, 300, 8, 12, { seed: 2, onIteration: ({ inertia }) => inertias.push(inertia) });
    expect(inertias.length).toBe(r.iterations);
    for (let i = 1; i < inertias.length; i++) expect(inertias[i]).toBeLessThanOrEqual(inertias[i - 1] + 1e-9);
  });

  it('rejects a k it cannot make', async () => {
    await expect(kmeans(new Float64Array(4), 2, 2, 3, { seed: 1 })).rejects.toThrow(
      'cannot make 3 clusters of 2 points',
    );
  });
});
