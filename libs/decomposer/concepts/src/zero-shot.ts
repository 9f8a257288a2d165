import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import type { LassoOptions } from '@audio-concepts/decomposer-lasso';
import {
  MultilabelAveragePrecision,
  accuracy,
  bootstrapIntervals,
  countedMean,
  macroF1,
  type BootstrapOptions,
  type CountedStatistic,
  type Interval,
} from '@audio-concepts/evaluation-metrics';
import type { ConceptDecomposition, ConceptSpace } from './concept-space';
import { checkCount, checkMatrix } from './matrix.check';
import { dot, l2NormalizeRows } from './vector-math';

export interface ZeroShotInput {
  space: ConceptSpace;
  /** Audio embeddings e, n×d. */
  audioNxD: ArrayLike<number>;
  n: number;
  /** Class prompt embeddings t_k ("This is a sound of {label}."), k×d, one row per class; not centered. */
  promptsKxD: ArrayLike<number>;
  k: number;
  lambda: number;
  solver?: Omit<LassoOptions, 'lambda'>;
}

export interface ZeroShotEvaluationInput extends ZeroShotInput {
  /** True class of each audio row: an index into the rows of the prompts (length n). */
  labelsN: ArrayLike<number>;
}

export interface ZeroShotPredictions {
  /** argmax_k ⟨L2(e), L2(t_k)⟩ per row */
  densePredictions: Int32Array;
  /** argmax_k ⟨r, L2(t_k)⟩ per row; −1 where r = 0 (w = 0 and no audio mean), which counts as wrong */
  conceptPredictions: Int32Array;
  decomposition: ConceptDecomposition;
}

/** What `eval zero-shot --json` prints (DESIGN §4); exactly these keys. */
export interface ZeroShotReport {
  n: number;
  /** c, the number of concepts */
  concepts: number;
  dense_acc: number;
  concept_acc: number;
  l0_mean: number;
  cos_mean: number;
}

/** Zero-shot classification (DESIGN §1) with the dense embeddings and with their concept reconstructions. */
export async function classifyZeroShot(input: ZeroShotInput): Promise<ZeroShotPredictions> {
  const { space, n, k } = input;
  const d = space.d;
  checkMatrix(input.audioNxD, n, d, 'audio embeddings');
  const prompts = normalizedPrompts(input.promptsKxD, k, d);
  const decomposition = await space.decompose(input.audioNxD, n, { lambda: input.lambda, solver: input.solver });
  // Cosine ranking is unchanged by the norm of e, so the dense scores use e as given.
  const densePredictions = bestPrompt(input.audioNxD, n, prompts, k, d);
  const conceptPredictions = bestPrompt(decomposition.reconstructionsNxD, n, prompts, k, d);
  return { densePredictions, conceptPredictions, decomposition };
}

/** Accuracy of both classifiers against `labelsN`, plus mean l0 and mean fidelity of the decompositions. */
export async function evaluateZeroShot(input: ZeroShotEvaluationInput): Promise<ZeroShotReport> {
  const scores = await scoreZeroShot(input);
  return {
    n: scores.n,
    concepts: scores.concepts,
    dense_acc: scores.dense_acc!,
    concept_acc: scores.concept_acc!,
    l0_mean: scores.l0_mean,
    cos_mean: scores.cos_mean,
  };
}

export interface ZeroShotScoringInput extends ZeroShotInput {
  /** True class of each audio row (an index into the prompts' rows); optional when `multilabelNxK` is given. */
  labelsN?: ArrayLike<number>;
  /** 0/1 targets, n×k (column k = prompt k): adds the multi-label mAP of the prompt cosines. */
  multilabelNxK?: ArrayLike<number>;
  /** Adds percentile bootstrap intervals of every figure (rows resampled with replacement). */
  bootstrap?: BootstrapOptions;
}

/** What `eval zero-shot --json` prints (DESIGN §4): the report's keys first, unchanged, then the added ones. */
export interface ZeroShotScores {
  n: number;
  concepts: number;
  /** null without labels (multi-label only) */
  dense_acc: number | null;
  concept_acc: number | null;
  l0_mean: number;
  cos_mean: number;
  /** macro-F1 over the classes present in the labels or predictions; null without labels */
  dense_f1: number | null;
  concept_f1: number | null;
  /** with multi-label targets: mean over classes with a positive of the AP of ⟨L2(e), L2(t_k)⟩ (resp. ⟨r, L2(t_k)⟩) */
  dense_map?: number;
  concept_map?: number;
  /** with bootstrap: [lo, hi] of each figure above */
  ci?: Record<string, Interval>;
}

/**
 * Zero-shot figures of both classifiers: accuracy and macro-F1 against `labelsN`, multi-label mAP against
 * `multilabelNxK` (the scores are the cosines with the class prompts), mean l0 and mean fidelity, and with
 * `bootstrap` a 95 % (or `level`) percentile interval of each, from one set of resampled rows.
 */
export async function scoreZeroShot(input: ZeroShotScoringInput): Promise<ZeroShotScores> {
  const { n, k, labelsN, multilabelNxK } = input;
  checkCount(n, 'number of audio embeddings n');
  checkCount(k, 'number of prompts k');
  if (!labelsN && !multilabelNxK)
    throw new InvalidInputError('zero-shot evaluation needs labels, multi-label targets or both');
  if (labelsN) checkLabels(labelsN, n, k);
  if (multilabelNxK) checkTargets(multilabelNxK, n, k);
  if (n === 0) throw new InvalidInputError('no audio embeddings to evaluate (n = 0)');
  const { densePredictions, conceptPredictions, decomposition } = await classifyZeroShot(input);
  const statistics: Record<string, CountedStatistic> = {};
  if (labelsN) {
    statistics.dense_acc = (counts) => accuracy(labelsN, densePredictions, counts);
    statistics.concept_acc = (counts) => accuracy(labelsN, conceptPredictions, counts);
  }
  statistics.l0_mean = countedMean(decomposition.l0);
  statistics.cos_mean = countedMean(decomposition.cosine);
  if (labelsN) {
    statistics.dense_f1 = (counts) => macroF1(labelsN, densePredictions, counts);
    statistics.concept_f1 = (counts) => macroF1(labelsN, conceptPredictions, counts);
  }
  if (multilabelNxK) {
    const prompts = normalizedPrompts(input.promptsKxD, k, input.space.d);
    const dense = new MultilabelAveragePrecision(promptCosines(input.audioNxD, n, prompts, k), multilabelNxK, n, k);
    const concept = new MultilabelAveragePrecision(
      promptCosines(decomposition.reconstructionsNxD, n, prompts, k),
      multilabelNxK,
      n,
      k,
    );
    statistics.dense_map = (counts) => dense.map(counts);
    statistics.concept_map = (counts) => concept.map(counts);
  }
  const all = new Int32Array(n).fill(1);
  const value = (name: string) => (statistics[name] ? statistics[name](all) : null);
  const scores: ZeroShotScores = {
    n,
    concepts: input.space.c,
    dense_acc: value('dense_acc'),
    concept_acc: value('concept_acc'),
    l0_mean: value('l0_mean')!,
    cos_mean: value('cos_mean')!,
    dense_f1: value('dense_f1'),
    concept_f1: value('concept_f1'),
  };
  if (multilabelNxK) {
    scores.dense_map = value('dense_map')!;
    scores.concept_map = value('concept_map')!;
  }
  if (input.bootstrap) scores.ci = bootstrapIntervals(n, statistics, input.bootstrap);
  return scores;
}

/** cos(row_i, prompt_j) for unit prompts, n×k; 0 for an all-zero row (it has no direction). */
function promptCosines(rowsNxD: ArrayLike<number>, n: number, unitPromptsKxD: Float64Array, k: number): Float64Array {
  const d = unitPromptsKxD.length / k;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const norm = Math.sqrt(dot(d, rowsNxD, 1, i * d, rowsNxD, 1, i * d));
    if (norm === 0) continue;
    for (let j = 0; j < k; j++) out[i * k + j] = dot(d, rowsNxD, 1, i * d, unitPromptsKxD, 1, j * d) / norm;
  }
  return out;
}

function checkTargets(targetsNxK: ArrayLike<number>, n: number, k: number): void {
  if (targetsNxK.length !== n * k)
    throw new ShapeMismatchError(
      `multi-label targets hold ${targetsNxK.length} values, expected n×k = ${n}×${k} (one column per prompt)`,
      [n, k],
      [targetsNxK.length],
    );
  for (let t = 0; t < targetsNxK.length; t++)
    if (targetsNxK[t] !== 0 && targetsNxK[t] !== 1)
      throw new InvalidInputError(
        `multi-label target [${Math.floor(t / k)}, ${t % k}] = ${targetsNxK[t]}: targets are 0 or 1`,
      );
}

function normalizedPrompts(promptsKxD: ArrayLike<number>, k: number, d: number): Float64Array {
  checkCount(k, 'number of prompts k');
  if (k === 0) throw new InvalidInputError('no class prompts: zero-shot classification needs at least one (k = 0)');
  checkMatrix(promptsKxD, k, d, 'prompt embeddings', ['k', 'd']);
  return l2NormalizeRows(promptsKxD, k, d, 'prompt embeddings');
}

function checkLabels(labelsN: ArrayLike<number>, n: number, k: number): void {
  if (labelsN.length !== n)
    throw new ShapeMismatchError(
      `${labelsN.length} labels for ${n} audio embeddings: expected one label per row (n = ${n})`,
      [n],
      [labelsN.length],
    );
  for (let i = 0; i < n; i++) {
    const label = labelsN[i];
    if (!Number.isInteger(label) || label < 0 || label >= k)
      throw new InvalidInputError(
        `labels[${i}] = ${label} is out of range: there are ${k} prompts, so labels must be in 0..${k - 1}`,
      );
  }
}

/**
 * Zero-shot predictions of any rows (e.g. the reconstructions r of a decomposition): argmax_k ⟨row, L2(t_k)⟩, the
 * first on ties, −1 for an all-zero row.
 */
export function predictByPrompts(
  rowsNxD: ArrayLike<number>,
  n: number,
  promptsKxD: ArrayLike<number>,
  k: number,
  d: number,
): Int32Array {
  checkMatrix(rowsNxD, n, d, 'rows');
  return bestPrompt(rowsNxD, n, normalizedPrompts(promptsKxD, k, d), k, d);
}

/** argmax over prompts of ⟨row, prompt⟩ per row (first index on ties); −1 for an all-zero row. */
function bestPrompt(rowsNxD: ArrayLike<number>, n: number, promptsKxD: Float64Array, k: number, d: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestScore = -Infinity;
    let zero = true;
    for (let t = i * d; t < (i + 1) * d && zero; t++) zero = rowsNxD[t] === 0;
    if (!zero)
      for (let p = 0; p < k; p++) {
        const score = dot(d, rowsNxD, 1, i * d, promptsKxD, 1, p * d);
        if (score > bestScore) {
          bestScore = score;
          best = p;
        }
      }
    out[i] = best;
  }
  return out;
}
