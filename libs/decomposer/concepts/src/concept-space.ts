import { createHash } from 'node:crypto';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import {
  LassoDictionary,
  NonNegativeLasso,
  resolveLassoOptions,
  type LassoBatchResult,
  type LassoOptions,
  type MatMul,
} from '@audio-concepts/decomposer-lasso';
import { centerConceptDictionary, computeAudioMean } from './concept-dictionary';
import { conceptFit } from './concept-fit';
import { checkCount, checkMatrix, checkVector, rowCount } from './matrix.check';
import { combineRows, cosineRows, l2NormalizeRows, nrm2 } from './vector-math';

/** Where m_a came from: a calibration corpus (or a mean shipped with the model), or nowhere (m_a = 0). */
export type AudioMeanSource = 'calibration' | 'none';

export interface ConceptSpaceMetadata {
  /** The embedding model the text embeddings came from (a hub id or a directory name). */
  readonly modelId: string;
  /** The vocabulary the concept names came from. */
  readonly vocabulary: string;
  /** ISO 8601 time the space was built. */
  readonly createdAt: string;
  /**
   * Hex SHA-256 of the float32 calibration embeddings m_a was computed from (of m_a itself when it was given
   * directly), or 'none' when m_a = 0.
   */
  readonly calibrationHash: string;
}

/** How decompositions run: both are passed to the Lasso solver (`@audio-concepts/decomposer-lasso`). */
export interface ConceptSpaceRuntime {
  /** Kernel for C·Cᵀ and Z·Cᵀ (e.g. onnxruntime's GEMM). Default: the portable TypeScript one. */
  matmul?: MatMul;
  /** Solver threads; 1 solves on the calling thread. Default: the machine's available parallelism. */
  threads?: number;
}

export interface BuildConceptSpaceInput {
  /** One label per row of T. Default: `concept_0`, `concept_1`, … (for callers that only have T.npy). */
  names?: readonly string[];
  /** T: raw text embeddings of the bare concept strings, c×d row-major (c is inferred from the length). */
  textEmbeddingsCxD: ArrayLike<number>;
  d: number;
  /** A varied calibration corpus of audio embeddings (n×d); m_a = mean(L2(e)) over its rows. */
  audioReferenceNxD?: ArrayLike<number>;
  /** m_a itself (length d, ‖m_a‖ ≤ 1), when a model ships the mean rather than the corpus. */
  audioMeanD?: ArrayLike<number>;
  modelId?: string;
  vocabulary?: string;
  /** Default: now. */
  createdAt?: string;
}

/** Everything a concept space is made of; C is always derived from T, never taken as given. */
export interface ConceptSpaceParts {
  names: readonly string[];
  textEmbeddingsCxD: ArrayLike<number>;
  d: number;
  audioMeanD: ArrayLike<number>;
  audioMeanSource: AudioMeanSource;
  metadata: ConceptSpaceMetadata;
}

export interface DecomposeOptions {
  /** The paper's L1 penalty λ (DESIGN §1): 0.05 → ~90–100 concepts of 2000, 0.15 → ~35–45. */
  lambda: number;
  /**
   * Target sparsity: at most K non-zero concepts per row, at the best-fitting point of the Lasso path with that
   * many, λ raised above `lambda` as far as needed (the decomposition's `lambdas` says how far, per row).
   */
  maxConcepts?: number;
  /** n×c weights to start from (a λ sweep's previous solutions): the same answer, sooner. */
  warmStartNxC?: ArrayLike<number>;
  /** Solver tolerances (tol, maxIterations, …); see `LassoOptions`. */
  solver?: Omit<LassoOptions, 'lambda'>;
}

/** The Lasso results (`weights` is n×c, ≥ 0) plus what DESIGN §1 derives from them. */
export interface ConceptDecomposition extends LassoBatchResult {
  d: number;
  /** r = L2(L2(Cᵀw) + m_a) per row, n×d (a zero row where Cᵀw = 0 and m_a = 0). */
  reconstructionsNxD: Float64Array;
  /** Fidelity cos(r, L2(e)) per row (0 for a zero r). */
  cosine: Float64Array;
  /** Concept fit cos(Cᵀw, z) per row (0 where w = 0): the share of z the concepts explain (`conceptFit`). */
  fit: Float64Array;
}

/** One entry of a concept representation. */
export interface ConceptWeight {
  index: number;
  label: string;
  weight: number;
}

/** The class / stream / period view of DESIGN §1: w averaged over a group of rows. */
export interface GroupView {
  /** Rows averaged (a row listed twice counts twice). */
  count: number;
  meanWeightsC: Float64Array;
  /** Non-zero entries of the mean, by weight, largest first. */
  concepts: ConceptWeight[];
}

/** Float32 machine epsilon: stored vectors (T, C, m_a) have float32 precision. */
const FLOAT32_EPSILON = 2 ** -23;

/**
 * A mean of unit vectors has norm ≤ 1. Allowance for float32 rounding of a mean given from outside; anything larger
 * means the vector is not a mean of normalized embeddings.
 */
export const AUDIO_MEAN_NORM_TOLERANCE = 1e-5;

/**
 * Default concept names for callers that only have T (`eval zero-shot --concepts T.npy`): `concept_<row>`.
 */
export function defaultConceptNames(c: number): string[] {
  return Array.from({ length: c }, (_, j) => `concept_${j}`);
}

/**
 * A concept space (DESIGN §1): the concept names, their raw text embeddings T (c×d), the centered dictionary
 * C = L2rows(L2rows(T) − mean_rows(L2rows(T))) and the audio mean m_a, plus metadata.
 *
 * T, C and m_a are kept as float32 (the precision embeddings have, and what the store writes), so a space used
 * before saving and the same space loaded back decompose identically; all arithmetic runs in float64.
 * The arrays are owned by the space: do not mutate them.
 *
 * Decompositions build the Lasso dictionary (the c×c Gram matrix) on first use and keep it; `close()` stops the
 * solver's threads (a later decomposition starts them again).
 */
export class ConceptSpace {
  readonly c: number;
  readonly d: number;
  readonly names: readonly string[];
  /** T, c×d */
  readonly textEmbeddingsCxD: Float32Array;
  /** C, c×d, unit rows */
  readonly dictionaryCxD: Float32Array;
  /** m_a, length d (all zeros when `audioMeanSource` is 'none') */
  readonly audioMeanD: Float32Array;
  readonly audioMeanSource: AudioMeanSource;
  readonly metadata: ConceptSpaceMetadata;

  // Float64 copies of the float32 C and m_a: every product below runs in float64 on exactly the stored values.
  private readonly dictionary64: Float64Array;
  private readonly audioMean64: Float64Array;
  /** Below this, ‖L2(e) − m_a‖ is float32 rounding noise, not a direction: d·ε₃₂ (unit-scale vectors). */
  private readonly zeroDirectionTolerance: number;
  private solverPromise: Promise<NonNegativeLasso> | undefined;
  private cachedId: string | undefined;
  /** the space this one was derived from by `withAudioMean`: its solver is shared, and closed by it */
  private parent: ConceptSpace | undefined;

  private constructor(
    parts: {
      c: number;
      d: number;
      names: readonly string[];
      textEmbeddingsCxD: Float32Array;
      dictionaryCxD: Float32Array;
      audioMeanD: Float32Array;
      audioMeanSource: AudioMeanSource;
      metadata: ConceptSpaceMetadata;
    },
    private readonly runtime: ConceptSpaceRuntime,
  ) {
    this.c = parts.c;
    this.d = parts.d;
    this.names = parts.names;
    this.textEmbeddingsCxD = parts.textEmbeddingsCxD;
    this.dictionaryCxD = parts.dictionaryCxD;
    this.audioMeanD = parts.audioMeanD;
    this.audioMeanSource = parts.audioMeanSource;
    this.metadata = parts.metadata;
    this.dictionary64 = Float64Array.from(parts.dictionaryCxD);
    this.audioMean64 = Float64Array.from(parts.audioMeanD);
    this.zeroDirectionTolerance = parts.d * FLOAT32_EPSILON;
  }

  /**
   * Builds a space from concept text embeddings and, optionally, a calibration corpus (m_a = mean of its normalized
   * rows) or a given m_a. With neither, m_a = 0 and `audioMeanSource` is 'none' (say so in the output).
   */
  static build(input: BuildConceptSpaceInput, runtime: ConceptSpaceRuntime = {}): ConceptSpace {
    const { d } = input;
    checkDimension(d);
    const c = rowCount(input.textEmbeddingsCxD, d, 'concept text embeddings', ['c', 'd']);
    const names = input.names ?? defaultConceptNames(c);
    checkNames(names, c);
    if (input.audioReferenceNxD !== undefined && input.audioMeanD !== undefined)
      throw new InvalidInputError('give either an audio reference corpus or an audio mean m_a, not both');
    let audioMeanD: ArrayLike<number> = new Float64Array(d);
    let audioMeanSource: AudioMeanSource = 'none';
    let calibrationHash = 'none';
    if (input.audioReferenceNxD !== undefined) {
      const n = rowCount(input.audioReferenceNxD, d, 'audio reference embeddings', ['n', 'd']);
      audioMeanD = computeAudioMean(input.audioReferenceNxD, n, d);
      audioMeanSource = 'calibration';
      calibrationHash = float32Sha256(input.audioReferenceNxD);
    } else if (input.audioMeanD !== undefined) {
      audioMeanD = input.audioMeanD;
      audioMeanSource = 'calibration';
      calibrationHash = float32Sha256(input.audioMeanD);
    }
    const metadata: ConceptSpaceMetadata = {
      modelId: input.modelId ?? 'unknown',
      vocabulary: input.vocabulary ?? 'custom',
      createdAt: input.createdAt ?? new Date().toISOString(),
      calibrationHash,
    };
    return ConceptSpace.fromParts(
      { names, textEmbeddingsCxD: input.textEmbeddingsCxD, d, audioMeanD, audioMeanSource, metadata },
      runtime,
    );
  }

  /** A space from its stored parts (what `loadConceptSpace` reads); validates them and derives C from T. */
  static fromParts(parts: ConceptSpaceParts, runtime: ConceptSpaceRuntime = {}): ConceptSpace {
    const { d } = parts;
    checkDimension(d);
    const c = rowCount(parts.textEmbeddingsCxD, d, 'concept text embeddings', ['c', 'd']);
    checkNames(parts.names, c);
    checkMatrix(parts.textEmbeddingsCxD, c, d, 'concept text embeddings', ['c', 'd']);
    checkAudioMean(parts.audioMeanD, d, parts.audioMeanSource);
    checkMetadata(parts.metadata);
    const textEmbeddingsCxD = Float32Array.from(parts.textEmbeddingsCxD);
    // C is computed in float64 from the float32 T, then stored as float32 like T (see the class comment).
    const dictionaryCxD = Float32Array.from(centerConceptDictionary(textEmbeddingsCxD, c, d));
    return new ConceptSpace(
      {
        c,
        d,
        names: Object.freeze([...parts.names]),
        textEmbeddingsCxD,
        dictionaryCxD,
        audioMeanD: Float32Array.from(parts.audioMeanD),
        audioMeanSource: parts.audioMeanSource,
        metadata: Object.freeze({ ...parts.metadata }),
      },
      runtime,
    );
  }

  /**
   * A content id (16 hex digits): SHA-256 of `audio-concepts/concept-space\nc=<c>\nd=<d>\nmodel=<modelId>\n`, then
   * T (float32 bytes; C is derived from it), m_a (float32 bytes) and the names joined by newlines. Two spaces with
   * the same id decompose identically and expect embeddings of the same model; the other metadata (vocabulary name,
   * creation time, calibration hash) does not count. Suits `ConceptFrame.concept_space_id` and names the space's
   * directory in the store.
   */
  get id(): string {
    if (this.cachedId === undefined) {
      const hash = createHash('sha256');
      hash.update(`audio-concepts/concept-space\nc=${this.c}\nd=${this.d}\nmodel=${this.metadata.modelId}\n`);
      hash.update(bytesOf(this.textEmbeddingsCxD));
      hash.update(bytesOf(this.audioMeanD));
      hash.update(this.names.join('\n'));
      this.cachedId = hash.digest('hex').slice(0, 16);
    }
    return this.cachedId;
  }

  /** The decomposition input z = L2(L2(e) − m_a) for each row of `embeddingsNxD` (n×d); float64, n×d. */
  transform(embeddingsNxD: ArrayLike<number>, n: number): Float64Array {
    return this.prepare(embeddingsNxD, n).z;
  }

  /**
   * Decomposes each embedding e (row of `embeddingsNxD`, n×d): w* = argmin_{w≥0} ‖Cᵀw − z‖² + λ‖w‖₁ with
   * z = L2(L2(e) − m_a), then r = L2(L2(Cᵀw) + m_a), the fidelity cos(r, L2(e)) and the concept fit cos(Cᵀw, z).
   */
  async decompose(
    embeddingsNxD: ArrayLike<number>,
    n: number,
    options: DecomposeOptions,
  ): Promise<ConceptDecomposition> {
    const lassoOptions = resolveLassoOptions({
      ...options.solver,
      lambda: options.lambda,
      maxConcepts: options.maxConcepts ?? options.solver?.maxConcepts,
    });
    const { normalized, z } = this.prepare(embeddingsNxD, n);
    const solver = await this.lassoSolver();
    const result = await solver.solve(z, n, this.d, lassoOptions, options.warmStartNxC);
    const reconstructionsNxD = this.recompose(result.weights, n);
    return {
      ...result,
      d: this.d,
      reconstructionsNxD,
      cosine: cosineRows(reconstructionsNxD, normalized, n, this.d),
      fit: conceptFit(this.dictionary64, this.c, this.d, result.weights, z, n),
    };
  }

  /**
   * r = L2(L2(Cᵀw) + m_a) for each row w of `weightsNxC` (n×c); float64, n×d. Where Cᵀw = 0, r = L2(m_a); where
   * that is zero too (no calibration set), r = 0, whose cosine with anything is 0.
   */
  recompose(weightsNxC: ArrayLike<number>, n: number): Float64Array {
    const { c, d } = this;
    checkMatrix(weightsNxC, n, c, 'concept weights', ['n', 'c']);
    const out = new Float64Array(n * d);
    const u = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      combineRows(u, weightsNxC, i * c, this.dictionary64, c, d);
      const uNorm = nrm2(d, u, 1, 0);
      for (let t = 0; t < d; t++) u[t] = (uNorm === 0 ? 0 : u[t] / uNorm) + this.audioMean64[t];
      const norm = nrm2(d, u, 1, 0);
      if (norm === 0) continue;
      for (let t = 0; t < d; t++) out[i * d + t] = u[t] / norm;
    }
    return out;
  }

  /** Fidelity cos(r, L2(e)) per row for reconstructions and embeddings, both n×d. */
  fidelity(reconstructionsNxD: ArrayLike<number>, embeddingsNxD: ArrayLike<number>, n: number): Float64Array {
    checkMatrix(reconstructionsNxD, n, this.d, 'reconstructions');
    checkMatrix(embeddingsNxD, n, this.d, 'embeddings');
    return cosineRows(reconstructionsNxD, embeddingsNxD, n, this.d);
  }

  /** The concept representation of one row of weights (length c): its non-zero entries by weight, at most k. */
  topConcepts(weightsC: ArrayLike<number>, k = Infinity): ConceptWeight[] {
    checkVector(weightsC, this.c, 'concept weights', 'c');
    checkTopK(k);
    const entries: ConceptWeight[] = [];
    for (let j = 0; j < this.c; j++) {
      const weight = weightsC[j];
      if (weight !== 0) entries.push({ index: j, label: this.names[j], weight });
    }
    entries.sort((a, b) => b.weight - a.weight || a.index - b.index);
    return entries.length > k ? entries.slice(0, k) : entries;
  }

  /**
   * The group view: w averaged over `rows` (indices into the rows of `weightsNxC`; default all) and its top k
   * concepts. For a class, a stream or a period of time.
   */
  groupView(weightsNxC: ArrayLike<number>, rows?: ArrayLike<number>, k = Infinity): GroupView {
    const { c } = this;
    const n = rowCount(weightsNxC, c, 'concept weights', ['n', 'c']);
    checkMatrix(weightsNxC, n, c, 'concept weights', ['n', 'c']);
    checkTopK(k);
    const selected = rows ?? Array.from({ length: n }, (_, i) => i);
    if (selected.length === 0) throw new InvalidInputError('group view of no rows: give at least one row index');
    for (let g = 0; g < selected.length; g++) {
      const row = selected[g];
      if (!Number.isInteger(row) || row < 0 || row >= n)
        throw new InvalidInputError(
          `row index ${row} (position ${g}) is out of range: the weights have ${n} rows (valid 0..${n - 1})`,
        );
    }
    const meanWeightsC = new Float64Array(c);
    for (let g = 0; g < selected.length; g++) {
      const base = selected[g] * c;
      for (let j = 0; j < c; j++) meanWeightsC[j] += weightsNxC[base + j];
    }
    for (let j = 0; j < c; j++) meanWeightsC[j] /= selected.length;
    return { count: selected.length, meanWeightsC, concepts: this.topConcepts(meanWeightsC, k) };
  }

  /**
   * The same concepts with another audio mean m_a (a projection head's, taken over the projected corpus): the
   * dictionary and the Lasso solver (its Gram matrix, its threads) are shared with this space, which alone closes
   * them. The derived space's id differs (m_a is part of it).
   */
  withAudioMean(audioMeanD: ArrayLike<number>): ConceptSpace {
    checkAudioMean(audioMeanD, this.d, 'calibration');
    const derived = new ConceptSpace(
      {
        c: this.c,
        d: this.d,
        names: this.names,
        textEmbeddingsCxD: this.textEmbeddingsCxD,
        dictionaryCxD: this.dictionaryCxD,
        audioMeanD: Float32Array.from(audioMeanD),
        audioMeanSource: 'calibration',
        metadata: Object.freeze({ ...this.metadata, calibrationHash: float32Sha256(audioMeanD) }),
      },
      this.runtime,
    );
    derived.parent = this.parent ?? this;
    return derived;
  }

  /** Stops the solver's threads; the Lasso dictionary stays cached and later decompositions restart them. */
  async close(): Promise<void> {
    if (this.parent) return;
    const solver = await this.solverPromise?.catch(() => undefined);
    await solver?.close();
  }

  private prepare(embeddingsNxD: ArrayLike<number>, n: number): { normalized: Float64Array; z: Float64Array } {
    const { d } = this;
    checkMatrix(embeddingsNxD, n, d, 'embeddings');
    const normalized = l2NormalizeRows(embeddingsNxD, n, d, 'embeddings');
    const z = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < d; t++) z[i * d + t] = normalized[i * d + t] - this.audioMean64[t];
      const norm = nrm2(d, z, 1, i * d);
      if (norm <= this.zeroDirectionTolerance)
        throw new InvalidInputError(
          `embeddings row ${i} equals the audio mean m_a after normalization (‖L2(e) − m_a‖ = ${norm.toExponential(2)}, ` +
            `expected > ${this.zeroDirectionTolerance.toExponential(2)}): it has no direction to decompose`,
        );
      for (let t = i * d; t < (i + 1) * d; t++) z[t] /= norm;
    }
    return { normalized, z };
  }

  private lassoSolver(): Promise<NonNegativeLasso> {
    if (this.parent) return this.parent.lassoSolver();
    if (this.solverPromise === undefined) {
      const { matmul, threads } = this.runtime;
      const promise = LassoDictionary.create(this.dictionary64, this.c, this.d, matmul).then(
        (dictionary) => new NonNegativeLasso(dictionary, { matmul, threads }),
      );
      this.solverPromise = promise;
      // A failed build is not cached: the next decomposition tries again.
      promise.catch(() => {
        if (this.solverPromise === promise) this.solverPromise = undefined;
      });
    }
    return this.solverPromise;
  }
}

function checkDimension(d: number): void {
  checkCount(d, 'embedding dimension d');
  if (d === 0) throw new InvalidInputError('embedding dimension d must be at least 1, got 0');
}

function checkNames(names: readonly string[], c: number): void {
  if (names.length !== c)
    throw new ShapeMismatchError(
      `${names.length} concept names for ${c} concept text embeddings: expected one name per row of T (c = ${c})`,
      [c],
      [names.length],
    );
  for (let j = 0; j < names.length; j++) {
    const name = names[j];
    if (typeof name !== 'string' || name.trim() === '' || /[\r\n]/.test(name))
      throw new InvalidInputError(
        `concept name ${j} is ${JSON.stringify(name)}: expected a non-empty string without line breaks`,
      );
  }
}

function checkAudioMean(audioMeanD: ArrayLike<number>, d: number, source: AudioMeanSource): void {
  if (source !== 'calibration' && source !== 'none')
    throw new InvalidInputError(`audio mean source is ${JSON.stringify(source)}, expected 'calibration' or 'none'`);
  checkVector(audioMeanD, d, 'audio mean m_a');
  const norm = nrm2(d, audioMeanD, 1, 0);
  if (norm > 1 + AUDIO_MEAN_NORM_TOLERANCE)
    throw new InvalidInputError(
      `audio mean m_a has norm ${norm}, expected ≤ 1: it must be the mean of L2-normalized embeddings`,
    );
  if (source === 'none' && norm !== 0)
    throw new InvalidInputError(`audio mean source is 'none' but m_a has norm ${norm}, expected all zeros`);
}

function checkMetadata(metadata: ConceptSpaceMetadata): void {
  for (const key of ['modelId', 'vocabulary', 'createdAt', 'calibrationHash'] as const)
    if (typeof metadata?.[key] !== 'string')
      throw new InvalidInputError(
        `concept space metadata ${key} is ${JSON.stringify(metadata?.[key])}, expected a string`,
      );
}

function checkTopK(k: number): void {
  if (!(k === Infinity || (Number.isInteger(k) && k >= 0)))
    throw new InvalidInputError(`top-k count is ${k}, expected a non-negative integer or Infinity`);
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function float32Sha256(values: ArrayLike<number>): string {
  return createHash('sha256')
    .update(bytesOf(values instanceof Float32Array ? values : Float32Array.from(values)))
    .digest('hex');
}
