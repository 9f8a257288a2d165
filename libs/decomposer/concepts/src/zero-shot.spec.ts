import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { jsMatMul, type MatMul } from '@audio-concepts/decomposer-lasso';
import { afterAll, describe, expect, it } from 'vitest';
import { dotOf, row, unit } from './__fixtures__/synthetic-world';
import { zeroShotWorld } from './__fixtures__/zero-shot-world';
import { ConceptSpace } from './concept-space';
import { classifyZeroShot, evaluateZeroShot } from './zero-shot';

/** The world of `__fixtures__/zero-shot-world.ts`: w = (1 − λ/2)·e_y and r = L2(C_y + m_a), computed here directly. */
const { c, d, T, K, N, LAMBDA, prompts, labels, audio } = zeroShotWorld();

const calls: string[] = [];
const counting: MatMul = { name: 'counting', abt: (a, b) => (calls.push('abt'), jsMatMul.abt(a, b)) };
const space = ConceptSpace.build({ textEmbeddingsCxD: T, d, audioReferenceNxD: T }, { threads: 1, matmul: counting });
const bare = ConceptSpace.build({ textEmbeddingsCxD: T, d }, { threads: 1 });
afterAll(async () => {
  await space.close();
  await bare.close();
});

/** Expected concept prediction and fidelity for class y, computed from the formulas directly. */
function expectedFor(y: number): { prediction: number; cosine: number } {
  const r = unit(unit(row(space.dictionaryCxD, y, d)).map((x, t) => x + space.audioMeanD[t]));
  let prediction = 0;
  for (let k = 1; k < K; k++)
    if (dotOf(r, unit(row(prompts, k, d))) > dotOf(r, unit(row(prompts, prediction, d)))) prediction = k;
  return { prediction, cosine: dotOf(r, unit(row(T, y, d))) };
}

describe('classifyZeroShot', () => {
  it('predicts the class prompt densely and through r = L2(C_y + m_a)', async () => {
    const { densePredictions, conceptPredictions, decomposition } = await classifyZeroShot({
      space,
      audioNxD: audio,
      n: N,
      promptsKxD: prompts,
      k: K,
      lambda: LAMBDA,
    });
    expect(Array.from(densePredictions)).toEqual(Array.from(labels));
    expect(Array.from(conceptPredictions)).toEqual(Array.from(labels, (y) => expectedFor(y).prediction));
    expect(Array.from(decomposition.l0)).toEqual(new Array(N).fill(1));
    for (let i = 0; i < N; i++) expect(decomposition.weights[i * c + labels[i]]).toBeCloseTo(1 - LAMBDA / 2, 6);
  });
});

describe('evaluateZeroShot', () => {
  it('reports exactly the CLI keys with accuracies, l0 and fidelity computed directly', async () => {
    const report = await evaluateZeroShot({
      space,
      audioNxD: audio,
      n: N,
      labelsN: labels,
      promptsKxD: prompts,
      k: K,
      lambda: LAMBDA,
    });
    expect(Object.keys(report).sort()).toEqual(['concept_acc', 'concepts', 'cos_mean', 'dense_acc', 'l0_mean', 'n']);
    const expected = Array.from(labels, (y) => expectedFor(y));
    const conceptAcc = expected.filter((x, i) => x.prediction === labels[i]).length / N;
    expect(conceptAcc).toBeGreaterThan(0.5); // the world is built so that concepts mostly keep the class
    expect(report).toMatchObject({ n: N, concepts: c, dense_acc: 1, concept_acc: conceptAcc, l0_mean: 1 });
    expect(report.cos_mean).toBeCloseTo(expected.reduce((s, x) => s + x.cosine, 0) / N, 6);
  });

  it('counts wrong labels as misses', async () => {
    const shifted = labels.map((y, i) => (i % 2 === 0 ? y : (y + 1) % K));
    const report = await evaluateZeroShot({
      space,
      audioNxD: audio,
      n: N,
      labelsN: shifted,
      promptsKxD: prompts,
      k: K,
      lambda: LAMBDA,
    });
    const expectedConcept = Array.from(labels, (y, i) => (expectedFor(y).prediction === shifted[i] ? 1 : 0));
    expect(report.dense_acc).toBe(0.5);
    expect(report.concept_acc).toBe(expectedConcept.reduce<number>((s, x) => s + x, 0) / N);
  });

  it('counts r = 0 (w = 0, no audio mean) as no prediction', async () => {
    const report = await evaluateZeroShot({
      space: bare,
      audioNxD: audio,
      n: N,
      labelsN: labels,
      promptsKxD: prompts,
      k: K,
      lambda: 10,
    });
    expect(report).toEqual({ n: N, concepts: c, dense_acc: 1, concept_acc: 0, l0_mean: 0, cos_mean: 0 });
    const { conceptPredictions } = await classifyZeroShot({
      space: bare,
      audioNxD: audio,
      n: N,
      promptsKxD: prompts,
      k: K,
      lambda: 10,
    });
    expect(Array.from(conceptPredictions)).toEqual(new Array(N).fill(-1));
  });

  it('rejects bad inputs with messages that name them, before any decomposition', async () => {
    calls.length = 0;
    const base = { space, audioNxD: audio, n: N, labelsN: labels, promptsKxD: prompts, k: K, lambda: LAMBDA };
    const outOfRange = labels.slice();
    outOfRange[5] = K;
    await expect(evaluateZeroShot({ ...base, labelsN: outOfRange })).rejects.toThrow(InvalidInputError);
    await expect(evaluateZeroShot({ ...base, labelsN: outOfRange })).rejects.toThrow(
      'labels[5] = 8 is out of range: there are 8 prompts, so labels must be in 0..7',
    );
    await expect(evaluateZeroShot({ ...base, labelsN: Int32Array.of(-1, ...labels.subarray(1)) })).rejects.toThrow(
      /labels\[0\] = -1/,
    );
    await expect(evaluateZeroShot({ ...base, labelsN: labels.subarray(1) })).rejects.toThrow(ShapeMismatchError);
    await expect(evaluateZeroShot({ ...base, labelsN: labels.subarray(1) })).rejects.toThrow(
      /23 labels for 24 audio embeddings/,
    );
    await expect(evaluateZeroShot({ ...base, promptsKxD: prompts.subarray(1) })).rejects.toThrow(
      /prompt embeddings has 127 values, expected k×d = 8×16 = 128/,
    );
    await expect(evaluateZeroShot({ ...base, audioNxD: audio.subarray(d) })).rejects.toThrow(
      /audio embeddings has 368 values/,
    );
    const zeroPrompt = prompts.slice();
    zeroPrompt.fill(0, 2 * d, 3 * d);
    await expect(evaluateZeroShot({ ...base, promptsKxD: zeroPrompt })).rejects.toThrow(
      /prompt embeddings row 2 is all zeros/,
    );
    const nan = audio.slice();
    nan[7 * d] = NaN;
    await expect(evaluateZeroShot({ ...base, audioNxD: nan })).rejects.toThrow(
      /audio embeddings has NaN at row 7, column 0/,
    );
    await expect(
      evaluateZeroShot({ ...base, n: 0, audioNxD: new Float64Array(0), labelsN: new Int32Array(0) }),
    ).rejects.toThrow(/n = 0/);
    expect(calls).toEqual([]);
  });
});
