import { describe, expect, it } from 'vitest';
import { CALIBRATION_SET, TRAINING_SET, clipPlan } from './clip-set';
import { Rng } from './random';
import { SAMPLE_RATE, loadDemoConcepts, synthesizeClip } from './world';

describe('clip sets', () => {
  it('make the given share of each kind of training clip shorter than a window; calibration clips are all full', async () => {
    const concepts = await loadDemoConcepts();
    const plan = clipPlan(TRAINING_SET, concepts);
    const share = (kind: string) => {
      const clips = plan.filter((c) => c.kind === kind);
      return clips.filter((c) => c.short).length / clips.length;
    };
    for (const kind of ['single', 'mixture', 'sequence']) expect(share(kind)).toBeCloseTo(TRAINING_SET.shortShare, 1);
    for (const concept of concepts)
      expect(plan.filter((c) => c.concept === concept && c.short).length, concept).toBeGreaterThanOrEqual(5);
    expect(clipPlan(CALIBRATION_SET, concepts).filter((c) => c.short)).toEqual([]);
  });

  it('label a sound that stops in digital silence (as good as padding) with the sound alone', async () => {
    const concepts = await loadDemoConcepts();
    const silence = concepts.indexOf('silence');
    const seen = { digital: 0, dithered: 0 };
    for (let i = 0; i < 400 && Math.min(seen.digital, seen.dithered) < 2; i++) {
      const clip = synthesizeClip(concepts, new Rng(i), 'sequence', { nSamples: SAMPLE_RATE });
      if (!/ then silence/.test(clip.description)) continue;
      const zerosAtEnd = clip.samples.subarray(-SAMPLE_RATE / 10).every((v) => v === 0);
      if (zerosAtEnd) {
        seen.digital++;
        expect(clip.targets[silence], clip.description).toBe(0);
        expect(Math.max(...clip.targets), clip.description).toBe(1);
      } else {
        seen.dithered++;
        expect(clip.targets[silence], clip.description).toBeGreaterThan(0.2);
      }
    }
    expect(seen.digital).toBeGreaterThan(0);
    expect(seen.dithered).toBeGreaterThan(0);
  });
});
