import { join } from 'node:path';
import { FormatError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { checkMatrix } from './matrix.check';
import { l2NormalizeRows } from './vector-math';

/** File of a head directory holding H (d×d, row-major: output = H·input). */
export const PROJECTION_HEAD_FILE = 'head.npy';

/**
 * The fine-tuned variant's linear head H (DESIGN §1): audio embeddings are mapped to H·L2(e) before the
 * concept decomposition (and the audio mean is taken over the projected reference corpus).
 */
export class ProjectionHead {
  constructor(
    /** H, d×d row-major */
    readonly matrixDxD: Float64Array,
    readonly d: number,
  ) {
    checkMatrix(matrixDxD, d, d, 'projection head');
  }

  /** Reads `DIR/head.npy`; the matrix must be square. */
  static async load(dir: string): Promise<ProjectionHead> {
    const path = join(dir, PROJECTION_HEAD_FILE);
    const head = asFloat64Matrix(await readNpy(path), path);
    if (head.rows !== head.cols)
      throw new FormatError(
        `${path}: a projection head must be square (d × d), got shape [${head.rows}, ${head.cols}]`,
        path,
      );
    return new ProjectionHead(head.data, head.rows);
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
    const out = new Float64Array(n * d);
    const H = this.matrixDxD;
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += H[r * d + t] * unit[i * d + t];
        out[i * d + r] = s;
      }
    }
    return out;
  }
}
