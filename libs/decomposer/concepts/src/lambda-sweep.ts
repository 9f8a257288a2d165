import { InvalidInputError } from '@audio-concepts/shared-errors';
import type { ConceptDecomposition, ConceptSpace } from './concept-space';

/** The paper's λ grid (its Figures 4–8 run from 0.01 to 0.5). */
export const PAPER_LAMBDAS: readonly number[] = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5];

export interface LambdaSweepInput {
  space: ConceptSpace;
  /** audio embeddings e (n×d), as `ConceptSpace.decompose` takes them */
  embeddingsNxD: ArrayLike<number>;
  n: number;
  lambdas: readonly number[];
  /** also solve every λ from scratch, to time the warm start against (the answers are the same) */
  timeCold?: boolean;
  /** after each λ, e.g. for a progress line */
  onLambda?: (point: LambdaSweepPoint, index: number, total: number) => void;
}

export interface LambdaSweepPoint {
  lambda: number;
  decomposition: ConceptDecomposition;
  l0Mean: number;
  cosineMean: number;
  /** seconds the decomposition took, warm-started from the previous (larger) λ */
  seconds: number;
  /** seconds from scratch, with `timeCold` */
  coldSeconds?: number;
}

/**
 * Decomposes the same embeddings at every λ of a grid, from the largest λ down, each solve starting from the
 * solutions at the previous λ (warm start): supports grow as λ falls, so most of each answer is already in place.
 * Every point is the exact optimum at its λ, the same as a separate run at that λ.
 */
export async function sweepLambdas(input: LambdaSweepInput): Promise<LambdaSweepPoint[]> {
  const { space, n } = input;
  const lambdas = checkedLambdas(input.lambdas);
  const points: LambdaSweepPoint[] = [];
  let previous: Float64Array | undefined;
  for (const [index, lambda] of lambdas.entries()) {
    let started = performance.now();
    const decomposition = await space.decompose(input.embeddingsNxD, n, { lambda, warmStartNxC: previous });
    const seconds = (performance.now() - started) / 1000;
    let coldSeconds: number | undefined;
    if (input.timeCold) {
      started = performance.now();
      await space.decompose(input.embeddingsNxD, n, { lambda });
      coldSeconds = (performance.now() - started) / 1000;
    }
    previous = decomposition.weights;
    const point = {
      lambda,
      decomposition,
      l0Mean: mean(decomposition.l0),
      cosineMean: mean(decomposition.cosine),
      seconds,
      coldSeconds,
    };
    points.push(point);
    input.onLambda?.(point, index, lambdas.length);
  }
  return points;
}

/** Distinct, finite λ ≥ 0, largest first (the order the warm start wants); at least one. */
export function checkedLambdas(lambdas: readonly number[]): number[] {
  if (lambdas.length === 0) throw new InvalidInputError('the λ grid is empty: give at least one λ');
  for (const lambda of lambdas)
    if (!Number.isFinite(lambda) || lambda < 0)
      throw new InvalidInputError(`λ = ${lambda} in the grid: every λ must be a finite number ≥ 0`);
  return [...new Set(lambdas)].sort((a, b) => b - a);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length > 0 ? sum / values.length : 0;
}
