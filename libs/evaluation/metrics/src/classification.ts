import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/**
 * Single-label classification metrics. `labelsN` are class indices ≥ 0; `predictionsN` are class indices, or a
 * negative value for "no prediction" (e.g. a zero reconstruction), which is wrong for every row and is no class.
 * `counts` (optional, length n) weights each row by how many times it is in the sample (a bootstrap resample,
 * see `bootstrapIntervals`); without it every row counts once.
 */

/** Fraction of rows whose prediction equals the label. NaN when no row is counted. */
export function accuracy(labelsN: ArrayLike<number>, predictionsN: ArrayLike<number>, counts?: Int32Array): number {
  checkClassification(labelsN, predictionsN, counts);
  let hits = 0;
  let total = 0;
  for (let i = 0; i < labelsN.length; i++) {
    const w = counts ? counts[i] : 1;
    total += w;
    if (predictionsN[i] === labelsN[i]) hits += w;
  }
  return total === 0 ? NaN : hits / total;
}

/**
 * Macro-F1: the mean over classes of F1 = 2·TP / (2·TP + FP + FN). The classes averaged are those that occur among
 * the (counted) labels or predictions, as scikit-learn's `f1_score(average='macro')` with its default `labels`;
 * such a class always has TP + FP + FN > 0, so no 0/0 arises. A class with no true row and no predicted row
 * (an empty class) is left out of the mean rather than counted as 0 or 1. NaN when no row is counted.
 */
export function macroF1(labelsN: ArrayLike<number>, predictionsN: ArrayLike<number>, counts?: Int32Array): number {
  checkClassification(labelsN, predictionsN, counts);
  let classes = 0;
  for (let i = 0; i < labelsN.length; i++) classes = Math.max(classes, labelsN[i] + 1, predictionsN[i] + 1);
  const truePositives = new Float64Array(classes);
  const trueRows = new Float64Array(classes);
  const predictedRows = new Float64Array(classes);
  for (let i = 0; i < labelsN.length; i++) {
    const w = counts ? counts[i] : 1;
    if (w === 0) continue;
    trueRows[labelsN[i]] += w;
    if (predictionsN[i] >= 0) predictedRows[predictionsN[i]] += w;
    if (predictionsN[i] === labelsN[i]) truePositives[labelsN[i]] += w;
  }
  let sum = 0;
  let present = 0;
  for (let k = 0; k < classes; k++) {
    // 2TP + FP + FN = (TP + FN) + (TP + FP)
    const denominator = trueRows[k] + predictedRows[k];
    if (denominator === 0) continue;
    sum += (2 * truePositives[k]) / denominator;
    present++;
  }
  return present === 0 ? NaN : sum / present;
}

function checkClassification(labelsN: ArrayLike<number>, predictionsN: ArrayLike<number>, counts?: Int32Array): void {
  const n = labelsN.length;
  if (predictionsN.length !== n)
    throw new ShapeMismatchError(`${predictionsN.length} predictions for ${n} labels`, [n], [predictionsN.length]);
  if (counts && counts.length !== n)
    throw new ShapeMismatchError(`${counts.length} row counts for ${n} labels`, [n], [counts.length]);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(labelsN[i]) || labelsN[i] < 0)
      throw new InvalidInputError(`labels[${i}] = ${labelsN[i]}: a label is a class index ≥ 0`);
    if (!Number.isInteger(predictionsN[i]))
      throw new InvalidInputError(`predictions[${i}] = ${predictionsN[i]}: a prediction is an integer class index`);
  }
}
