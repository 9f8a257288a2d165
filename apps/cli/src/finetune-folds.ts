import { ConceptSpace, ProjectionHead, evaluateZeroShot } from '@audio-concepts/decomposer-concepts';
import type { OrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { trainHead, type HeadTrainingOptions } from '@audio-concepts/trainer-head';

/**
 * The paper's Table III rows by k-fold cross-validation: for each fold, a head trained on the other folds' rows, then
 * on the fold's own rows the dense zero-shot accuracy (no head), the fine-tuned dense accuracy (nearest prompt to
 * H·L2(e)) and the fine-tuned concept accuracy (nearest prompt to the reconstruction of H·L2(e) over the concepts,
 * with m_a the mean of the projected reference corpus).
 */
export interface FinetuneInput {
  audio: Float64Array;
  n: number;
  d: number;
  labels: Int32Array;
  prompts: Float64Array;
  k: number;
  /** raw concept text embeddings, c × d */
  concepts: Float64Array;
  c: number;
  /** the reference corpus for m_a (projected by each fold's head); none: m_a = 0 */
  reference?: { data: Float64Array; rows: number };
  /** fold of each row (any integers; each distinct value is one fold) */
  folds: Int32Array;
  lambda: number;
  matmul: OrtMatMul;
  threads?: number;
  training?: Omit<HeadTrainingOptions, 'onEpoch' | 'matmul'>;
  onFold?: (fold: FoldResult, index: number, folds: number) => void;
}

export interface FoldResult {
  fold: number;
  n: number;
  train_rows: number;
  epochs_run: number;
  dense_acc: number;
  finetuned_dense_acc: number;
  finetuned_concept_acc: number;
  l0_mean: number;
}

export interface FinetuneReport {
  folds: number;
  dense_acc: number;
  finetuned_dense_acc: number;
  finetuned_concept_acc: number;
  finetuned_dense_std: number;
  finetuned_concept_std: number;
  l0_mean: number;
  per_fold: FoldResult[];
}

export async function evaluateFinetune(input: FinetuneInput): Promise<FinetuneReport> {
  const { n, d, folds } = input;
  if (folds.length !== n)
    throw new ShapeMismatchError(`folds: ${folds.length} values for ${n} audio rows`, [n], [folds.length]);
  const foldIds = [...new Set(folds)].sort((a, b) => a - b);
  if (foldIds.length < 2)
    throw new InvalidInputError(`folds: k-fold evaluation needs at least 2 folds, the file has ${foldIds.length}`);
  const perFold: FoldResult[] = [];
  const reference = input.reference;
  // one dictionary and solver for every fold: the zero-shot space, and per fold the same concepts with the m_a of the
  // reference projected by that fold's head (withAudioMean shares the solver)
  const base = ConceptSpace.build(
    { textEmbeddingsCxD: input.concepts, d, audioReferenceNxD: reference?.data },
    { matmul: input.matmul, threads: input.threads },
  );
  try {
    for (const [index, fold] of foldIds.entries()) {
      const rows = Int32Array.from(folds.keys()).filter((i) => folds[i] === fold);
      const head = await trainHead(
        {
          audio: input.audio,
          n,
          d,
          labels: input.labels,
          prompts: input.prompts,
          k: input.k,
          trainMask: Int32Array.from(folds, (f) => (f === fold ? 0 : 1)),
        },
        { ...input.training, matmul: input.matmul },
      );
      const projection = reference
        ? ProjectionHead.withReference(head.matrix, d, reference.data, reference.rows)
        : new ProjectionHead(head.matrix, d);
      const audio = pickRows(input.audio, d, rows);
      const labels = Int32Array.from(rows, (i) => input.labels[i]);
      const evaluate = (space: ConceptSpace, audioNxD: Float64Array) =>
        evaluateZeroShot({
          space,
          audioNxD,
          n: rows.length,
          promptsKxD: input.prompts,
          k: input.k,
          labelsN: labels,
          lambda: input.lambda,
        });
      const zeroShot = await evaluate(base, audio);
      const finetuned = await evaluate(
        base.withAudioMean(projection.audioMeanD ?? new Float64Array(d)),
        projection.project(audio, rows.length),
      );
      const result: FoldResult = {
        fold,
        n: rows.length,
        train_rows: head.metrics.trainRows + head.metrics.valRows,
        epochs_run: head.metrics.epochsRun,
        dense_acc: zeroShot.dense_acc,
        finetuned_dense_acc: finetuned.dense_acc,
        finetuned_concept_acc: finetuned.concept_acc,
        l0_mean: finetuned.l0_mean,
      };
      perFold.push(result);
      input.onFold?.(result, index, foldIds.length);
    }
  } finally {
    await base.close();
  }
  const mean = (key: keyof FoldResult) => perFold.reduce((s, f) => s + f[key], 0) / perFold.length;
  /** standard deviation over the folds (ddof 0, as numpy's std) */
  const std = (key: keyof FoldResult) =>
    Math.sqrt(perFold.reduce((s, f) => s + (f[key] - mean(key)) ** 2, 0) / perFold.length);
  return {
    folds: perFold.length,
    dense_acc: mean('dense_acc'),
    finetuned_dense_acc: mean('finetuned_dense_acc'),
    finetuned_concept_acc: mean('finetuned_concept_acc'),
    finetuned_dense_std: std('finetuned_dense_acc'),
    finetuned_concept_std: std('finetuned_concept_acc'),
    l0_mean: mean('l0_mean'),
    per_fold: perFold,
  };
}

function pickRows(data: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((row, i) => out.set(data.subarray(row * d, (row + 1) * d), i * d));
  return out;
}
