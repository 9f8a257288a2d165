import { jsMatMul, type MatMul } from '@audio-concepts/decomposer-lasso';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { mulberry32 } from '@audio-concepts/shared-random';

export interface KMeansOptions {
  /** seeds the k-means++ draws: the same seed and data give the same clusters */
  seed: number;
  /** Lloyd iterations at most (default 50: bounds 10,000 × 512 into 2,000 clusters to about half a minute) */
  maxIterations?: number;
  /**
   * Lloyd stops once an iteration lowers the inertia (sum of squared distances to the centroids) by less than this
   * fraction of it (default 1e-4), or moves no point.
   */
  tolerance?: number;
  /** computes the points × centroids dot products (default: plain TypeScript; the CLI passes onnxruntime's GEMM) */
  matMul?: MatMul;
  onInitProgress?(chosen: number, k: number): void;
  onIteration?(progress: { iteration: number; inertia: number; moved: number }): void;
}

export interface KMeansResult {
  /** the cluster of each point, 0 … k−1 */
  assignments: Int32Array;
  /** k × d, each the mean of its points */
  centroidsKxD: Float64Array;
  inertia: number;
  iterations: number;
  /** false when maxIterations ran out before the tolerance or a stable assignment was reached */
  converged: boolean;
}

export const KMEANS_DEFAULTS = { maxIterations: 50, tolerance: 1e-4 } as const;

/** Rows of the points × centroids product computed at once: bounds that block to 32 MiB of float64. */
const BLOCK_VALUES = 1 << 22;

/**
 * Euclidean k-means of n points (rows of `pointsNxD`, float64, row-major): k-means++ seeding (Arthur & Vassilvitskii
 * 2007, one draw per centre) from a seeded PRNG, then Lloyd iterations whose assignment step is one matrix product
 * per block of points, since ‖x − c‖² = ‖x‖² − 2x·c + ‖c‖².
 */
export async function kmeans(
  pointsNxD: Float64Array,
  n: number,
  d: number,
  k: number,
  options: KMeansOptions,
): Promise<KMeansResult> {
  if (pointsNxD.length !== n * d)
    throw new InvalidInputError(`kmeans: ${pointsNxD.length} values do not fill ${n} points of dimension ${d}`);
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new InvalidInputError(`kmeans: cannot make ${k} clusters of ${n} points`);
  const maxIterations = options.maxIterations ?? KMEANS_DEFAULTS.maxIterations;
  const tolerance = options.tolerance ?? KMEANS_DEFAULTS.tolerance;
  const matMul = options.matMul ?? jsMatMul;
  const pointNorms = squaredRowNorms(pointsNxD, n, d);

  const centroids = await kmeansPlusPlus(pointsNxD, pointNorms, n, d, k, options.seed, matMul, options.onInitProgress);
  const assignments = new Int32Array(n).fill(-1);
  const distances = new Float64Array(n);
  let inertia = Infinity;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const previous = inertia;
    const moved = await assign(pointsNxD, pointNorms, n, d, centroids, k, matMul, assignments, distances);
    inertia = sum(distances);
    options.onIteration?.({ iteration: iterations, inertia, moved });
    if (moved === 0 || (Number.isFinite(previous) && previous - inertia <= tolerance * previous)) {
      converged = true;
      break;
    }
    updateCentroids(pointsNxD, n, d, k, assignments, distances, centroids);
  }
  if (!converged) updateCentroids(pointsNxD, n, d, k, assignments, distances, centroids);
  return { assignments, centroidsKxD: centroids, inertia, iterations, converged };
}

/**
 * k-means++ seeding: the first centre uniformly, each next one drawn with probability proportional to its squared
 * distance to the nearest centre chosen so far. When every remaining point sits on a centre (duplicates), the next
 * centre is the first point not chosen yet, so k distinct points are always returned.
 */
async function kmeansPlusPlus(
  points: Float64Array,
  norms: Float64Array,
  n: number,
  d: number,
  k: number,
  seed: number,
  matMul: MatMul,
  onProgress?: (chosen: number, k: number) => void,
): Promise<Float64Array> {
  const uniform = mulberry32(seed);
  const centroids = new Float64Array(k * d);
  const chosen = new Uint8Array(n);
  const nearest = new Float64Array(n).fill(Infinity);
  let next = Math.min(n - 1, Math.floor(uniform() * n));
  for (let c = 0; c < k; c++) {
    chosen[next] = 1;
    centroids.set(points.subarray(next * d, (next + 1) * d), c * d);
    if (c === k - 1) break;
    // The new centre's distance to every point, the O(n·d) step repeated k times, as a matrix-vector product:
    // onnxruntime's GEMM does it about 4× faster than a TypeScript loop (measured, 10,000 × 512).
    const centre = { data: points.subarray(next * d, (next + 1) * d), rows: 1, cols: d };
    const dots = (await matMul.abt({ data: points, rows: n, cols: d }, centre)).data;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const squared = Math.max(0, norms[i] + norms[next] - 2 * dots[i]);
      if (squared < nearest[i]) nearest[i] = squared;
      if (!chosen[i]) total += nearest[i];
    }
    next = total > 0 ? drawProportional(nearest, chosen, total * uniform()) : chosen.indexOf(0);
    if ((c + 1) % 100 === 0) onProgress?.(c + 1, k);
  }
  onProgress?.(k, k);
  return centroids;
}

function drawProportional(weights: Float64Array, excluded: Uint8Array, target: number): number {
  let last = -1;
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    if (excluded[i] || weights[i] <= 0) continue;
    cumulative += weights[i];
    last = i;
    if (cumulative > target) return i;
  }
  return last; // rounding left the target just above the sum
}

/** Nearest centroid of every point (ties: the lower index); returns how many points changed cluster. */
async function assign(
  points: Float64Array,
  pointNorms: Float64Array,
  n: number,
  d: number,
  centroids: Float64Array,
  k: number,
  matMul: MatMul,
  assignments: Int32Array,
  distances: Float64Array,
): Promise<number> {
  const centroidNorms = squaredRowNorms(centroids, k, d);
  const centroidMatrix = { data: centroids, rows: k, cols: d };
  const blockRows = Math.max(1, Math.min(n, Math.floor(BLOCK_VALUES / k)));
  let moved = 0;
  for (let start = 0; start < n; start += blockRows) {
    const rows = Math.min(blockRows, n - start);
    const block = { data: points.subarray(start * d, (start + rows) * d), rows, cols: d };
    const dots = (await matMul.abt(block, centroidMatrix)).data;
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      let best = 0;
      let bestDistance = Infinity;
      for (let j = 0; j < k; j++) {
        const distance = centroidNorms[j] - 2 * dots[r * k + j];
        if (distance < bestDistance) {
          bestDistance = distance;
          best = j;
        }
      }
      if (assignments[i] !== best) moved++;
      assignments[i] = best;
      distances[i] = Math.max(0, pointNorms[i] + bestDistance);
    }
  }
  return moved;
}

/**
 * Each centroid becomes the mean of its points. A cluster left empty takes the point farthest from its own
 * centroid (among clusters of two points or more), the usual repair, chosen deterministically.
 */
function updateCentroids(
  points: Float64Array,
  n: number,
  d: number,
  k: number,
  assignments: Int32Array,
  distances: Float64Array,
  centroids: Float64Array,
): void {
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[assignments[i]]++;
  for (let j = 0; j < k; j++) {
    if (sizes[j] > 0) continue;
    let farthest = -1;
    for (let i = 0; i < n; i++)
      if (sizes[assignments[i]] > 1 && (farthest < 0 || distances[i] > distances[farthest])) farthest = i;
    if (farthest < 0) break; // fewer distinct clusters than k: cannot happen for k ≤ n, kept as a guard
    sizes[assignments[farthest]]--;
    assignments[farthest] = j;
    distances[farthest] = 0;
    sizes[j] = 1;
  }
  centroids.fill(0);
  for (let i = 0; i < n; i++) {
    const c = assignments[i] * d;
    const row = i * d;
    for (let t = 0; t < d; t++) centroids[c + t] += points[row + t];
  }
  for (let j = 0; j < k; j++) {
    const scale = 1 / Math.max(1, sizes[j]);
    for (let t = 0; t < d; t++) centroids[j * d + t] *= scale;
  }
}

export function squaredRowNorms(matrix: Float64Array, rows: number, cols: number): Float64Array {
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let t = i * cols; t < (i + 1) * cols; t++) s += matrix[t] * matrix[t];
    norms[i] = s;
  }
  return norms;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
