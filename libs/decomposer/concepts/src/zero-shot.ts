import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import type { LassoOptions } from '@audio-concepts/decomposer-lasso';
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
  const { n, k } = input;
  checkCount(n, 'number of audio embeddings n');
  checkCount(k, 'number of prompts k');
  checkLabels(input.labelsN, n, k);
  if (n === 0) throw new InvalidInputError('no audio embeddings to evaluate (n = 0)');
  const { densePredictions, conceptPredictions, decomposition } = await classifyZeroShot(input);
  let denseHits = 0;
  let conceptHits = 0;
  let l0 = 0;
  let cos = 0;
  for (let i = 0; i < n; i++) {
    if (densePredictions[i] === input.labelsN[i]) denseHits++;
    if (conceptPredictions[i] === input.labelsN[i]) conceptHits++;
    l0 += decomposition.l0[i];
    cos += decomposition.cosine[i];
  }
  return {
    n,
    concepts: input.space.c,
    dense_acc: denseHits / n,
    concept_acc: conceptHits / n,
    l0_mean: l0 / n,
    cos_mean: cos / n,
  };
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
