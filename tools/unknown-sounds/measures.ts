import { cosine, l2NormalizeRows, nrm2, type ConceptSpace } from '@audio-concepts/decomposer-concepts';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';

/** Which way a measure points to "nothing in the vocabulary fits". */
export type UnknownWhen = 'low' | 'high';

export interface MeasureDefinition {
  key: keyof WindowMeasures;
  label: string;
  unknownWhen: UnknownWhen;
  /** What it is, for the table's legend. */
  about: string;
}

/** One window's candidate measures. */
export interface WindowMeasures {
  fit: number;
  cosine: number;
  residual: number;
  rawFit: number;
  nearestText: number;
  nearestCalibration: number;
  topWeight: number;
  l0: number;
  distanceFromMean: number;
}

export const MEASURES: readonly MeasureDefinition[] = [
  { key: 'fit', label: 'fit', unknownWhen: 'low', about: 'frame fit cos(Cᵀw, z) (ConceptFrame.fit)' },
  { key: 'cosine', label: 'cosine', unknownWhen: 'low', about: 'frame fidelity cos(r, L2(e)) (ConceptFrame.cosine)' },
  { key: 'residual', label: 'residual', unknownWhen: 'high', about: '‖z − Cᵀw‖, centered space, after the Lasso' },
  {
    key: 'rawFit',
    label: 'raw fit',
    unknownWhen: 'low',
    about: 'cos(L2(e), best w ≥ 0 combination of the L2(text embeddings)), uncentered, no λ',
  },
  { key: 'nearestText', label: 'near text', unknownWhen: 'low', about: 'max cos(L2(e), L2(concept text embedding))' },
  {
    key: 'nearestCalibration',
    label: 'near calib',
    unknownWhen: 'low',
    about: 'max cos(L2(e), L2(calibration embedding)) over the model’s calibration set',
  },
  { key: 'topWeight', label: 'top weight', unknownWhen: 'low', about: 'largest concept weight' },
  { key: 'l0', label: 'l0', unknownWhen: 'high', about: 'number of concepts used' },
  { key: 'distanceFromMean', label: '‖L2(e)−m_a‖', unknownWhen: 'high', about: 'distance from the audio mean m_a' },
];

/** Non-negative least squares by coordinate descent on the Gram matrix (c is small here). */
function nonNegativeLeastSquares(gram: Float64Array, b: Float64Array, c: number, sweeps = 500): Float64Array {
  const w = new Float64Array(c);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let change = 0;
    for (let k = 0; k < c; k++) {
      let g = b[k];
      for (let j = 0; j < c; j++) if (j !== k) g -= gram[k * c + j] * w[j];
      const next = Math.max(0, g / gram[k * c + k]);
      change = Math.max(change, Math.abs(next - w[k]));
      w[k] = next;
    }
    if (change < 1e-12) break;
  }
  return w;
}

/** Computes the candidates for windows of one concept space (and its model's calibration set, when it has one). */
export class MeasureContext {
  private readonly texts: Float64Array;
  private readonly textGram: Float64Array;
  private readonly calibration: Float64Array | undefined;
  private readonly nCalibration: number;

  constructor(
    private readonly space: ConceptSpace,
    calibrationNxD: Float32Array | undefined,
  ) {
    const { c, d } = space;
    this.texts = l2NormalizeRows(space.textEmbeddingsCxD, c, d, 'concept text embeddings');
    this.textGram = new Float64Array(c * c);
    for (let a = 0; a < c; a++)
      for (let b = 0; b < c; b++) this.textGram[a * c + b] = cosine(d, this.texts, 1, a * d, this.texts, 1, b * d);
    this.nCalibration = calibrationNxD ? calibrationNxD.length / d : 0;
    this.calibration =
      calibrationNxD && l2NormalizeRows(calibrationNxD, this.nCalibration, d, 'calibration embeddings');
  }

  /** The measures of one window: its embedding (length d) and its frame (listing every concept: top-K ∞). */
  measure(embedding: Float32Array, frame: ConceptFrame): WindowMeasures {
    const { c, d, dictionaryCxD, audioMeanD } = this.space;
    const u = l2NormalizeRows(embedding, 1, d, 'embedding');
    const z = this.space.transform(embedding, 1);
    const reconstruction = new Float64Array(d);
    for (const { index, weight } of frame.concepts)
      for (let t = 0; t < d; t++) reconstruction[t] += weight * dictionaryCxD[index * d + t];
    const residual = Math.hypot(...z.map((v, t) => v - reconstruction[t]));

    const b = new Float64Array(c);
    for (let k = 0; k < c; k++) b[k] = cosine(d, u, 1, 0, this.texts, 1, k * d);
    const w = nonNegativeLeastSquares(this.textGram, b, c);
    let wb = 0;
    let wGw = 0;
    for (let a = 0; a < c; a++) {
      wb += w[a] * b[a];
      for (let k = 0; k < c; k++) wGw += w[a] * this.textGram[a * c + k] * w[k];
    }

    let nearestCalibration = NaN;
    for (let j = 0; j < this.nCalibration; j++)
      nearestCalibration = Math.max(
        Number.isNaN(nearestCalibration) ? -1 : nearestCalibration,
        cosine(d, u, 1, 0, this.calibration!, 1, j * d),
      );
    const fromMean = Float64Array.from(u, (v, t) => v - audioMeanD[t]);
    return {
      fit: frame.fit ?? NaN,
      cosine: frame.cosine,
      residual,
      rawFit: wGw > 0 ? wb / Math.sqrt(wGw) : 0,
      nearestText: Math.max(...b),
      nearestCalibration,
      topWeight: frame.concepts[0]?.weight ?? 0,
      l0: frame.l0,
      distanceFromMean: nrm2(d, fromMean, 1, 0),
    };
  }
}
