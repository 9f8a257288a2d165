import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/**
 * Average precision of scores against 0/1 targets, scikit-learn's `average_precision_score`:
 * AP = Σ_t (R_t − R_{t−1}) · P_t over the distinct score thresholds t in decreasing order, where P_t and R_t are the
 * precision and recall of "score ≥ t" (R_0 = 0). Tied scores are one threshold: they enter together, never one
 * by one, so their order does not matter. NaN when there is no (counted) positive. `counts` weights rows as
 * scikit-learn's `sample_weight` does (a bootstrap resample's multiplicities).
 */
export function averagePrecision(scoresN: ArrayLike<number>, targetsN: ArrayLike<number>, counts?: Int32Array): number {
  const n = scoresN.length;
  if (targetsN.length !== n)
    throw new ShapeMismatchError(`${targetsN.length} targets for ${n} scores`, [n], [targetsN.length]);
  checkScores(scoresN, 0, 1, n, 'scores');
  checkTargets(targetsN, 0, 1, n, 'targets');
  return averagePrecisionInOrder(descendingOrder(scoresN, 0, 1, n), scoresN, 0, 1, targetsN, counts);
}

/**
 * Multi-label mAP: the mean over classes of the average precision of the class's scores (column k of an n×k
 * matrix) against its 0/1 targets. Classes with no positive row are left out of the mean (their AP is undefined).
 * Each column is sorted once here, so `map(counts)` on a bootstrap resample costs O(n·k) with no sorting.
 */
export class MultilabelAveragePrecision {
  private readonly orders: Int32Array[];

  constructor(
    private readonly scoresNxK: ArrayLike<number>,
    private readonly targetsNxK: ArrayLike<number>,
    readonly n: number,
    readonly k: number,
  ) {
    if (scoresNxK.length !== n * k)
      throw new ShapeMismatchError(
        `scores hold ${scoresNxK.length} values, expected n×k = ${n}×${k}`,
        [n, k],
        [scoresNxK.length],
      );
    if (targetsNxK.length !== n * k)
      throw new ShapeMismatchError(
        `targets hold ${targetsNxK.length} values, expected n×k = ${n}×${k}`,
        [n, k],
        [targetsNxK.length],
      );
    checkScores(scoresNxK, 0, 1, n * k, 'scores');
    checkTargets(targetsNxK, 0, 1, n * k, 'targets');
    this.orders = Array.from({ length: k }, (_, c) => descendingOrder(scoresNxK, c, k, n));
  }

  /** AP of class `c` (NaN when it has no counted positive). */
  classAveragePrecision(c: number, counts?: Int32Array): number {
    return averagePrecisionInOrder(this.orders[c], this.scoresNxK, c, this.k, this.targetsNxK, counts);
  }

  /** Mean AP over the classes with at least one counted positive; NaN when there is none. */
  map(counts?: Int32Array): number {
    let sum = 0;
    let classes = 0;
    for (let c = 0; c < this.k; c++) {
      const ap = this.classAveragePrecision(c, counts);
      if (Number.isNaN(ap)) continue;
      sum += ap;
      classes++;
    }
    return classes === 0 ? NaN : sum / classes;
  }
}

/** Row indices 0…n−1 sorted by score (element offset + i·stride) from highest to lowest. */
function descendingOrder(scores: ArrayLike<number>, offset: number, stride: number, n: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return order.sort((a, b) => scores[offset + b * stride] - scores[offset + a * stride]);
}

function averagePrecisionInOrder(
  order: Int32Array,
  scores: ArrayLike<number>,
  offset: number,
  stride: number,
  targets: ArrayLike<number>,
  counts?: Int32Array,
): number {
  let positives = 0;
  for (let i = 0; i < order.length; i++) if (targets[offset + i * stride] === 1) positives += counts ? counts[i] : 1;
  if (positives === 0) return NaN;
  let truePositives = 0;
  let falsePositives = 0;
  let recallBefore = 0;
  let ap = 0;
  for (let start = 0; start < order.length;) {
    const threshold = scores[offset + order[start] * stride];
    let end = start;
    for (; end < order.length && scores[offset + order[end] * stride] === threshold; end++) {
      const row = order[end];
      const w = counts ? counts[row] : 1;
      if (targets[offset + row * stride] === 1) truePositives += w;
      else falsePositives += w;
    }
    start = end;
    if (truePositives + falsePositives === 0) continue;
    const recall = truePositives / positives;
    ap += (recall - recallBefore) * (truePositives / (truePositives + falsePositives));
    recallBefore = recall;
  }
  return ap;
}

function checkScores(scores: ArrayLike<number>, offset: number, stride: number, n: number, name: string): void {
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(scores[offset + i * stride]))
      throw new InvalidInputError(`${name}[${i}] = ${scores[offset + i * stride]}: scores must be finite`);
}

function checkTargets(targets: ArrayLike<number>, offset: number, stride: number, n: number, name: string): void {
  for (let i = 0; i < n; i++) {
    const t = targets[offset + i * stride];
    if (t !== 0 && t !== 1) throw new InvalidInputError(`${name}[${i}] = ${t}: targets are 0 or 1`);
  }
}
