import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import type { BuiltVocabulary } from './built-vocabulary';
import { describeCandidates, type Candidates } from './candidates';
import { kmeans, squaredRowNorms, type KMeansOptions } from './kmeans';

/** Text embeddings of the candidates, one row per candidate tag in the candidates' order (row-major). */
export interface TagEmbeddings {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

export interface ClusteredOptions extends Omit<KMeansOptions, 'seed'> {
  size: number;
  seed: number;
  /** how many candidates were asked for (for the header; default: as many as there are) */
  askedCandidates?: number;
}

/**
 * clustered: k-means++ (seeded) over the candidates' text embeddings, L2-normalised first so that the euclidean
 * clusters are cosine ones, into `size` clusters; each cluster is written as its tag nearest the centroid (ties:
 * the more frequent, then by name, which is the candidates' order).
 */
export async function clusteredVocabulary(
  candidates: Candidates,
  embeddings: TagEmbeddings,
  options: ClusteredOptions,
): Promise<BuiltVocabulary> {
  const n = candidates.tags.length;
  const d = embeddings.cols;
  if (embeddings.rows !== n || embeddings.data.length !== n * d)
    throw new ShapeMismatchError(
      `the embeddings are [${embeddings.rows}, ${d}], expected one row per candidate tag: [${n}, ${d}]`,
      [n, d],
      [embeddings.rows, d],
    );
  if (options.size > n)
    throw new InvalidInputError(`cannot make ${options.size} clusters of ${n} candidate tags; ask for --size ≤ ${n}`);
  const points = unitRows(embeddings, candidates.tags);
  const result = await kmeans(points, n, d, options.size, options);
  const nearest = nearestToCentroids(points, n, d, result.assignments, result.centroidsKxD, options.size);
  const members: string[][] = Array.from({ length: options.size }, () => []);
  result.assignments.forEach((cluster, i) => members[cluster].push(candidates.tags[i]));
  const order = [...nearest.keys()].sort((a, b) => nearest[a] - nearest[b]);
  return {
    method: 'clustered',
    terms: order.map((c) => candidates.tags[nearest[c]]),
    counts: order.map((c) => candidates.counts[nearest[c]]),
    candidates: n,
    groups: order.map((c) => members[c]),
    notes: [
      describeCandidates(candidates, options.askedCandidates ?? n),
      `clusters: k-means++ (seed ${options.seed}) over their text embeddings (d = ${d}, L2-normalised): ` +
        `${result.iterations} Lloyd iterations${result.converged ? '' : ' (the limit, not converged)'}, ` +
        `inertia ${result.inertia.toPrecision(6)}; each cluster written as its tag nearest the centroid`,
    ],
  };
}

function unitRows(embeddings: TagEmbeddings, tags: readonly string[]): Float64Array {
  const { rows, cols } = embeddings;
  const points = Float64Array.from(embeddings.data);
  const norms = squaredRowNorms(points, rows, cols);
  for (let i = 0; i < rows; i++) {
    const norm = Math.sqrt(norms[i]);
    if (!(norm > 0) || !Number.isFinite(norm))
      throw new InvalidInputError(
        `the embedding of tag '${tags[i]}' (row ${i}) has norm ${norm}; it cannot be clustered`,
      );
    for (let t = i * cols; t < (i + 1) * cols; t++) points[t] /= norm;
  }
  return points;
}

/** Per cluster, the index of its point nearest its centroid (ties: the lower index). */
function nearestToCentroids(
  points: Float64Array,
  n: number,
  d: number,
  assignments: Int32Array,
  centroids: Float64Array,
  k: number,
): number[] {
  const best = new Array<number>(k).fill(-1);
  const bestDistance = new Float64Array(k).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const c = assignments[i];
    let distance = 0;
    for (let t = 0; t < d; t++) {
      const delta = points[i * d + t] - centroids[c * d + t];
      distance += delta * delta;
    }
    if (distance < bestDistance[c]) {
      bestDistance[c] = distance;
      best[c] = i;
    }
  }
  return best;
}

/**
 * Rows of a precomputed embedding matrix for the candidates, found by name (`names[r]` names row r, as
 * `audio-concepts embed --vocab` or `--text` writes OUT.names.txt); extra rows are ignored.
 */
export function embeddingsForTags(
  tags: readonly string[],
  names: readonly string[],
  matrix: TagEmbeddings,
  source: string,
): TagEmbeddings {
  if (names.length !== matrix.rows)
    throw new ShapeMismatchError(
      `${source}: ${names.length} names for ${matrix.rows} embedding rows`,
      [matrix.rows],
      [names.length],
    );
  const rowOf = new Map<string, number>();
  names.forEach((name, row) => {
    const key = name.trim().toLowerCase();
    if (!rowOf.has(key)) rowOf.set(key, row);
  });
  const missing = tags.filter((t) => !rowOf.has(t));
  if (missing.length > 0)
    throw new InvalidInputError(
      `${source}: no embedding for ${missing.length} of the ${tags.length} candidate tags ` +
        `('${missing.slice(0, 3).join("', '")}'${missing.length > 3 ? ', …' : ''}); embed them with ` +
        '`audio-concepts vocab build --method baseline --size <candidates>` then `embed --vocab`',
    );
  const d = matrix.cols;
  const data = new Float64Array(tags.length * d);
  tags.forEach((tag, i) => {
    const row = rowOf.get(tag)!;
    for (let t = 0; t < d; t++) data[i * d + t] = matrix.data[row * d + t];
  });
  return { data, rows: tags.length, cols: d };
}
