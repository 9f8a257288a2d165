import { InvalidInputError } from '@audio-concepts/shared-errors';
import { averagePrecision, macroF1 } from '@audio-concepts/evaluation-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { dotOf, row, unit } from './__fixtures__/synthetic-world';
import { zeroShotWorld } from './__fixtures__/zero-shot-world';
import { ConceptSpace } from './concept-space';
import { scoreZeroShot } from './zero-shot';

/** The world of `__fixtures__/zero-shot-world.ts`: w = (1 − λ/2)·e_y and r = L2(C_y + m_a), computed here directly. */
const { c, d, T, K, N, LAMBDA, prompts, labels, audio } = zeroShotWorld();
/** One-hot targets of the labels with class 7's column emptied: an empty class, left out of mAP. */
const targets = Int8Array.from({ length: N * K }, (_, t) => {
  const [i, k] = [Math.floor(t / K), t % K];
  return k !== 7 && labels[i] === k ? 1 : 0;
});

const space = ConceptSpace.build({ textEmbeddingsCxD: T, d, audioReferenceNxD: T }, { threads: 1 });
const bare = ConceptSpace.build({ textEmbeddingsCxD: T, d }, { threads: 1 });
afterAll(async () => {
  await space.close();
  await bare.close();
});
const base = { space, audioNxD: audio, n: N, promptsKxD: prompts, k: K, lambda: LAMBDA };

/** r = L2(L2(C_y) + m_a) of a row of class y, and its cosine with each prompt. */
function conceptCosines(y: number): number[] {
  const r = unit(unit(row(space.dictionaryCxD, y, d)).map((x, t) => x + space.audioMeanD[t]));
  return Array.from({ length: K }, (_, k) => dotOf(r, unit(row(prompts, k, d))));
}
const conceptPredictions = Array.from(labels, (y) => {
  const cos = conceptCosines(y);
  return cos.indexOf(Math.max(...cos));
});

describe('scoreZeroShot', () => {
  it('keeps the report keys first and adds macro-F1, computed from predictions made by the formulas', async () => {
    const scores = await scoreZeroShot({ ...base, labelsN: labels });
    expect(Object.keys(scores)).toEqual([
      'n',
      'concepts',
      'dense_acc',
      'concept_acc',
      'l0_mean',
      'cos_mean',
      'dense_f1',
      'concept_f1',
    ]);
    expect(scores).toMatchObject({ n: N, concepts: c, dense_acc: 1, dense_f1: 1, l0_mean: 1 });
    expect(scores.concept_f1).toBeCloseTo(macroF1(labels, conceptPredictions), 12);
  });

  it('macro-F1 by hand when the odd classes are relabelled as the next (even) class', async () => {
    // Row i has class i mod 8; its label becomes (y + 1) mod 8 when y is odd. Dense predictions stay y, so:
    // even class k: 6 true rows (its 3 and class k−1's 3), 3 predicted, 3 right → F1 = 6/9 = 2/3;
    // odd class: no true row, 3 predicted → F1 0 (predicted, so not an empty class). Macro = (4·2/3 + 4·0)/8 = 1/3.
    const shifted = labels.map((y) => (y % 2 === 1 ? (y + 1) % K : y));
    const scores = await scoreZeroShot({ ...base, labelsN: shifted });
    expect(scores.dense_acc).toBe(0.5);
    expect(scores.dense_f1).toBeCloseTo(1 / 3, 15);
    expect(scores.concept_f1).toBeCloseTo(macroF1(shifted, conceptPredictions), 12);
  });

  it('multi-label mAP of the prompt cosines; the empty class 7 is left out', async () => {
    const scores = await scoreZeroShot({ ...base, labelsN: labels, multilabelNxK: targets });
    // dense: each row is a copy of its class prompt, cosine 1 with it and < 1 with the others → every AP is 1
    expect(scores.dense_map).toBeCloseTo(1, 12);
    const concept = Array.from(labels, (y) => conceptCosines(y));
    let sum = 0;
    for (let k = 0; k < 7; k++)
      sum += averagePrecision(
        concept.map((cos) => cos[k]),
        Array.from(labels, (y) => (y === k ? 1 : 0)),
      );
    expect(scores.concept_map).toBeCloseTo(sum / 7, 6);
  });

  it('multi-label targets alone: no accuracy or F1 (null), mAP still computed', async () => {
    const scores = await scoreZeroShot({ ...base, multilabelNxK: targets });
    expect(scores).toMatchObject({ dense_acc: null, concept_acc: null, dense_f1: null, concept_f1: null });
    expect(scores.dense_map).toBeCloseTo(1, 12);
  });

  it('r = 0 (w = 0, no audio mean): concept F1 0, and all concept scores tie at 0 → AP = 3/24 per class', async () => {
    const scores = await scoreZeroShot({ ...base, space: bare, lambda: 10, labelsN: labels, multilabelNxK: targets });
    expect(scores.concept_f1).toBe(0);
    // one threshold takes all 24 rows: precision 3/24 (each class has 3 rows), recall 1
    expect(scores.concept_map).toBeCloseTo(3 / 24, 15);
  });

  it('bootstrap: an interval for every figure, holding it; a constant figure has a zero-width interval', async () => {
    const bootstrap = { resamples: 200, seed: 7 };
    const noisy = labels.map((y, i) => (i % 3 === 0 ? (y + 1) % K : y));
    const scores = await scoreZeroShot({ ...base, labelsN: noisy, multilabelNxK: targets, bootstrap });
    const ci = scores.ci!;
    expect(Object.keys(ci)).toEqual([
      'dense_acc',
      'concept_acc',
      'l0_mean',
      'cos_mean',
      'dense_f1',
      'concept_f1',
      'dense_map',
      'concept_map',
    ]);
    for (const [name, [lo, hi]] of Object.entries(ci)) {
      const value = scores[name as keyof typeof scores] as number;
      expect(lo, name).toBeLessThanOrEqual(value + 1e-12);
      expect(hi, name).toBeGreaterThanOrEqual(value - 1e-12);
    }
    expect(ci.dense_map).toEqual([1, 1]);
    expect(ci.l0_mean).toEqual([1, 1]);
    expect(ci.dense_acc[1] - ci.dense_acc[0]).toBeGreaterThan(0.2);
    expect((await scoreZeroShot({ ...base, labelsN: noisy, multilabelNxK: targets, bootstrap })).ci).toEqual(ci);
  });

  it('rejects missing labels and targets, and targets of the wrong shape or values', async () => {
    await expect(scoreZeroShot(base)).rejects.toThrow('needs labels, multi-label targets or both');
    await expect(scoreZeroShot({ ...base, multilabelNxK: targets.subarray(1) })).rejects.toThrow(
      'multi-label targets hold 191 values, expected n×k = 24×8',
    );
    const two = targets.slice();
    two[3 * K + 2] = 2;
    await expect(scoreZeroShot({ ...base, multilabelNxK: two })).rejects.toThrow(InvalidInputError);
    await expect(scoreZeroShot({ ...base, multilabelNxK: two })).rejects.toThrow(
      'multi-label target [3, 2] = 2: targets are 0 or 1',
    );
  });
});
