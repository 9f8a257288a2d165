import { InvalidInputError } from '@audio-concepts/shared-errors';
import type { ConceptWeight } from './concept-space';
import { checkCount, checkMatrix } from './matrix.check';

/**
 * The class / stream / period view of DESIGN §1: the mean prominence of each concept over the windows of a group
 * (a window where w_j = 0 counts as 0 for concept j) and the group's top concepts by that mean.
 */
export interface GroupProminence {
  /** windows (rows) in the group; 0 for an empty group */
  n: number;
  /** mean of w over the group's windows, length c (all zeros for an empty group) */
  meanWeightsC: Float64Array;
  /** the non-zero entries of the mean, largest first, ties by concept index; at most `top` of them */
  top: ConceptWeight[];
}

/**
 * Adds up windows' weights, given dense (a row of c) or sparse (the non-zero `{index, weight}` entries a concept
 * frame carries), for one group; `result(k)` is the group's mean prominence and top k concepts.
 */
export class ProminenceAccumulator {
  private readonly sumsC: Float64Array;
  private windows = 0;

  constructor(private readonly names: readonly string[]) {
    this.sumsC = new Float64Array(names.length);
  }

  get n(): number {
    return this.windows;
  }

  /** One window's dense weights: `weights[offset … offset + c)`. */
  addDense(weights: ArrayLike<number>, offset = 0): void {
    const c = this.sumsC.length;
    if (offset < 0 || offset + c > weights.length)
      throw new InvalidInputError(`weights of ${weights.length} values hold no row of c = ${c} at offset ${offset}`);
    for (let j = 0; j < c; j++) this.sumsC[j] += weights[offset + j];
    this.windows++;
  }

  /** One window's non-zero weights, by concept index (the concepts a window does not list weigh 0). */
  addSparse(concepts: readonly { index: number; weight: number }[]): void {
    for (const { index, weight } of concepts) {
      if (!Number.isInteger(index) || index < 0 || index >= this.sumsC.length)
        throw new InvalidInputError(`concept index ${index} is out of range for c = ${this.sumsC.length} concepts`);
      this.sumsC[index] += weight;
    }
    this.windows++;
  }

  result(top = Infinity): GroupProminence {
    const meanWeightsC = new Float64Array(this.sumsC.length);
    if (this.windows > 0) for (let j = 0; j < meanWeightsC.length; j++) meanWeightsC[j] = this.sumsC[j] / this.windows;
    return { n: this.windows, meanWeightsC, top: rankConcepts(meanWeightsC, this.names, top) };
  }
}

/** The non-zero entries of `weightsC`, largest first, equal weights in concept order; at most `k` of them. */
export function rankConcepts(weightsC: ArrayLike<number>, names: readonly string[], k = Infinity): ConceptWeight[] {
  if (!(k === Infinity || (Number.isInteger(k) && k >= 0)))
    throw new InvalidInputError(`top-k count is ${k}, expected a non-negative integer or Infinity`);
  if (weightsC.length !== names.length)
    throw new InvalidInputError(`${weightsC.length} weights for ${names.length} concept names`);
  const entries: ConceptWeight[] = [];
  for (let j = 0; j < weightsC.length; j++)
    if (weightsC[j] !== 0) entries.push({ index: j, label: names[j], weight: weightsC[j] });
  entries.sort((a, b) => b.weight - a.weight || a.index - b.index);
  return entries.length > k ? entries.slice(0, k) : entries;
}

export interface GroupProminenceInput {
  /** w of every window, n×c row-major */
  weightsNxC: ArrayLike<number>;
  n: number;
  /** one name per concept (length c) */
  names: readonly string[];
  /** the group of each window, 0 … groups − 1, length n */
  groupOfRowN: ArrayLike<number>;
  /** number of groups; a group no window belongs to is reported with n = 0 */
  groups: number;
  /** concepts kept per group (default: every non-zero one) */
  top?: number;
}

/** Mean prominence and top concepts of each group (e.g. each class of a labelled set), in group order. */
export function groupProminence(input: GroupProminenceInput): GroupProminence[] {
  const { weightsNxC, n, names, groupOfRowN, groups } = input;
  const c = names.length;
  checkMatrix(weightsNxC, n, c, 'concept weights', ['n', 'c']);
  checkCount(groups, 'groups');
  if (groupOfRowN.length !== n) throw new InvalidInputError(`${groupOfRowN.length} group indices for ${n} windows`);
  const accumulators = Array.from({ length: groups }, () => new ProminenceAccumulator(names));
  for (let i = 0; i < n; i++) {
    const group = groupOfRowN[i];
    if (!Number.isInteger(group) || group < 0 || group >= groups)
      throw new InvalidInputError(`window ${i} is in group ${group}, expected 0 … ${groups - 1}`);
    accumulators[group].addDense(weightsNxC, i * c);
  }
  return accumulators.map((accumulator) => accumulator.result(input.top));
}
