import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { abtSync } from '@audio-concepts/decomposer-lasso';
import { asFloat64Matrix, encodeNpy, parseNpy } from '@audio-concepts/shared-npy';
import { computeAudioMean } from './concept-dictionary';
import { checkMatrix, checkVector } from './matrix.check';
import { AUDIO_MEAN_NORM_TOLERANCE } from './concept-space';
import { l2NormalizeRows, nrm2 } from './vector-math';

/**
 * The files of a head directory: H (d×d, row-major: output = H·input), the audio mean m_a of the projected
 * reference corpus (d; optional) and the trainer's manifest (optional).
 */
export const HEAD_FILES = { matrix: 'head.npy', audioMean: 'audio_mean.npy', manifest: 'manifest.json' } as const;

/** A head's id: the first 16 hex digits of the SHA-256 of H as a float64 .npy (what `head.npy` holds). */
export function headIdOf(matrixDxD: Float64Array, d: number): string {
  const bytes = encodeNpy({ dtype: 'float64', shape: [d, d], data: matrixDxD });
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/**
 * The fine-tuned variant's linear head H (DESIGN §1): audio embeddings are mapped to H·L2(e) before the concept
 * decomposition, and the audio mean is that of the projected reference corpus (`audioMeanD`, when the head carries
 * one). Every value is checked finite; `id` is the content hash of H (headIdOf).
 */
export class ProjectionHead {
  readonly id: string;
  /** m_a over the projected reference corpus (a mean of unit vectors: norm ≤ 1), or null when not stored */
  readonly audioMeanD: Float64Array | null;

  constructor(
    /** H, d×d row-major */
    readonly matrixDxD: Float64Array,
    readonly d: number,
    audioMeanD?: ArrayLike<number> | null,
  ) {
    checkMatrix(matrixDxD, d, d, 'projection head');
    this.id = headIdOf(matrixDxD, d);
    if (audioMeanD === undefined || audioMeanD === null) this.audioMeanD = null;
    else {
      checkVector(audioMeanD, d, "projection head's audio mean");
      const mean = Float64Array.from(audioMeanD);
      const norm = nrm2(d, mean, 1, 0);
      if (norm > 1 + AUDIO_MEAN_NORM_TOLERANCE)
        throw new InvalidInputError(
          `projection head's audio mean has norm ${norm}; a mean of unit vectors has norm ≤ 1`,
        );
      this.audioMeanD = mean;
    }
  }

  /** The head of a trained matrix with m_a taken over `referenceNxD` (n×d raw embeddings) projected by it. */
  static withReference(matrixDxD: Float64Array, d: number, referenceNxD: ArrayLike<number>, n: number): ProjectionHead {
    const bare = new ProjectionHead(matrixDxD, d);
    return new ProjectionHead(matrixDxD, d, computeAudioMean(bare.project(referenceNxD, n), n, d));
  }

  /**
   * Reads `DIR/head.npy` (square, finite) and, when present, `DIR/audio_mean.npy` (d values). A manifest's id, when
   * there is one, must be the id of head.npy: a head whose matrix was changed after training is refused.
   */
  static async load(dir: string): Promise<ProjectionHead> {
    const path = join(dir, HEAD_FILES.matrix);
    const head = asFloat64Matrix(parseNpy(await readFile(path), path), path);
    if (head.rows !== head.cols)
      throw new FormatError(
        `${path}: a projection head must be square (d × d), got shape [${head.rows}, ${head.cols}]`,
        path,
      );
    const meanPath = join(dir, HEAD_FILES.audioMean);
    const mean = await readOptional(meanPath);
    let audioMeanD: Float64Array | null = null;
    if (mean) {
      const m = parseNpy(mean, meanPath);
      if (m.shape.length !== 1 || (m.dtype !== 'float32' && m.dtype !== 'float64'))
        throw new FormatError(
          `${meanPath}: expected a float32 or float64 vector of d = ${head.rows} values, got ${m.dtype} of shape (${m.shape.join(', ')})`,
          meanPath,
        );
      if (m.data.length !== head.rows)
        throw new ShapeMismatchError(
          `${meanPath}: ${m.data.length} values, expected the head's d = ${head.rows}`,
          [head.rows],
          [m.data.length],
        );
      audioMeanD = Float64Array.from(m.data as Float32Array | Float64Array);
    }
    const loaded = new ProjectionHead(head.data, head.rows, audioMeanD);
    const manifest = await readOptional(join(dir, HEAD_FILES.manifest));
    if (manifest) {
      let id: unknown;
      try {
        id = (JSON.parse(manifest.toString('utf8')) as { id?: unknown }).id;
      } catch {
        throw new FormatError(`${join(dir, HEAD_FILES.manifest)} is not valid JSON`, join(dir, HEAD_FILES.manifest));
      }
      if (id !== loaded.id)
        throw new FormatError(
          `${dir}: manifest.json names head ${JSON.stringify(id)} but head.npy is head ${loaded.id} (changed after training?)`,
          join(dir, HEAD_FILES.manifest),
        );
    }
    return loaded;
  }

  /** H·L2(e) for every row of `embeddingsNxD` (n×d). */
  project(embeddingsNxD: ArrayLike<number>, n: number): Float64Array {
    const { d } = this;
    if (embeddingsNxD.length !== n * d)
      throw new ShapeMismatchError(
        `embeddings of ${embeddingsNxD.length} values do not fit shape [${n}, ${d}] of the projection head`,
        [n, d],
        [embeddingsNxD.length],
      );
    const unit = l2NormalizeRows(embeddingsNxD, n, d, 'embeddings');
    // row i of the output is H·unit_i: the A·Bᵀ of the unit rows and H
    return abtSync({ data: unit, rows: n, cols: d }, { data: this.matrixDxD, rows: d, cols: d }).data;
  }
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
