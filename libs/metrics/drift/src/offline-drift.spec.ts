import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { offlineDrift } from './offline-drift';
import { SceneWorld, TARGET } from './testing';

/**
 * The offline test on the scene world (testing.ts): concepts correlated through scenes that last ~20 windows, so
 * neither concepts nor consecutive windows are independent. R: 3000 frames; C: 1000 frames, changed from frame 400.
 */
const world = new SceneWorld({ seed: 7 });
const reference = world.frames(3000, { seed: 101 });
const CHANGE_AT = 400;
/** measured on seeds 101–108: the change index was within 45 frames of the truth (355–434) */
const CHANGE_TOLERANCE = 60;

describe('offlineDrift', () => {
  it('finds no drift in frames from the same world', () => {
    const report = offlineDrift(reference, world.frames(1000, { seed: 201 }), { alpha: 0.01 });
    expect(report.drift).toBe(false);
    expect(report.statistic).toBeLessThanOrEqual(report.threshold);
    expect(report.changed).toEqual([]);
    expect(report.changeIndex).toBeNull();
    expect(report).toMatchObject({ alpha: 0.01, nReference: 3000, nCurrent: 1000 });
    expect(report.signals.map((s) => s.changed)).toEqual([false, false]);
  });

  it('finds no drift against a reference that happened to visit a scene little (its spread comes from C too)', () => {
    // the null pair of run 1288 of npm run bench:drift, a false alarm at 0.01 (q 0.004) while σ_j came from R alone:
    // R's own batch means understate the spread of the scene it visited little; pooled with C's, q is 0.0999
    const r = world.frames(2000, { seed: 1_000_000 + 2 * 1288 });
    const c = world.frames(500, { seed: 1_000_001 + 2 * 1288 });
    const report = offlineDrift(r, c, { alpha: 0.01, replicates: 1000, seed: 1289 });
    expect(report.drift).toBe(false);
    expect(report.changed).toEqual([]);
  });

  it("flags one concept's activation going from 10 % to 30 %, names it first and finds where it began", () => {
    const current = world.frames(1000, { seed: 202, change: { at: CHANGE_AT, concept: { label: TARGET, rate: 0.3 } } });
    const report = offlineDrift(reference, current, { alpha: 0.01 });
    expect(report.drift).toBe(true);
    expect(report.statistic).toBeGreaterThan(report.threshold);
    const first = report.changed[0];
    expect(first.label).toBe(TARGET);
    expect(first.referenceRate).toBeCloseTo(0.1, 1);
    expect(first.currentRate).toBeCloseTo(0.1 * 0.4 + 0.3 * 0.6, 1);
    expect(first.q).toBeLessThanOrEqual(0.01);
    expect(Math.abs(report.changeIndex! - CHANGE_AT)).toBeLessThanOrEqual(CHANGE_TOLERANCE);
  });

  it('flags the cosine signal when concepts keep their rates but fidelity drops', () => {
    const current = world.frames(1000, { seed: 204, change: { at: CHANGE_AT, cosineDrop: 0.05 } });
    const report = offlineDrift(reference, current, { alpha: 0.01 });
    expect(report.drift).toBe(true);
    const cosine = report.signals.find((s) => s.name === 'cosine')!;
    expect(cosine.changed).toBe(true);
    expect(cosine.currentMean).toBeLessThan(cosine.referenceMean - 0.02);
    expect(report.signals.find((s) => s.name === 'l0')!.changed).toBe(false);
    expect(Math.abs(report.changeIndex! - CHANGE_AT)).toBeLessThanOrEqual(CHANGE_TOLERANCE);
  });

  it('counts a label the reference never had as a change, with a reference rate of 0', () => {
    const current = world
      .frames(600, { seed: 205 })
      .map((f, t) =>
        t >= 300 && t % 3 === 0 ? { ...f, concepts: [...f.concepts, { label: 'new sound', weight: 0.3 }] } : f,
      );
    const report = offlineDrift(reference, current, { alpha: 0.01 });
    expect(report.drift).toBe(true);
    expect(report.changed[0]).toMatchObject({ label: 'new sound', referenceRate: 0, referenceMass: 0 });
  });

  it('is deterministic for a seed', () => {
    const current = world.frames(300, { seed: 206 });
    const a = offlineDrift(reference, current, { replicates: 300, seed: 5 });
    const b = offlineDrift(reference, current, { replicates: 300, seed: 5 });
    expect(a).toEqual(b);
  });

  it('refuses an alpha outside (0, 1), too few reference frames and an empty current set', () => {
    const current = world.frames(50, { seed: 207 });
    for (const alpha of [0, 1, -0.1, Number.NaN])
      expect(() => offlineDrift(reference, current, { alpha })).toThrow(InvalidInputError);
    expect(() => offlineDrift(reference.slice(0, 19), current)).toThrow(
      'the reference has 19 frames; the drift test needs at least 20',
    );
    expect(() => offlineDrift(reference, [])).toThrow('the current set has no frames');
    expect(() => offlineDrift(reference, current, { block: 0 })).toThrow('block must be an integer from 1');
  });
});
