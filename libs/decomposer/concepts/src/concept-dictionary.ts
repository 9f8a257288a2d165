import { InvalidInputError } from '@audio-concepts/shared-errors';
import { checkMatrix } from './matrix.check';
import { l2NormalizeRows, meanRows, nrm2 } from './vector-math';

/**
 * The centered concept dictionary of DESIGN §1: `C = L2rows(L2rows(T) − mean_rows(L2rows(T)))` for the raw concept
 * text embeddings T (c×d). Returns C (c×d, float64, unit rows). A concept that equals the concept mean after
 * normalization (one concept only, or all concepts identical) has no centered direction: InvalidInputError.
 */
export function centerConceptDictionary(textEmbeddingsCxD: ArrayLike<number>, c: number, d: number): Float64Array {
  checkMatrix(textEmbeddingsCxD, c, d, 'concept text embeddings', ['c', 'd']);
  if (c === 0 || d === 0)
    throw new InvalidInputError(
      `concept text embeddings must have at least one concept and one dimension, got shape [${c}, ${d}]`,
    );
  const normalized = l2NormalizeRows(textEmbeddingsCxD, c, d, 'concept text embeddings');
  const mean = meanRows(normalized, c, d, 'normalized concept text embeddings');
  for (let j = 0; j < c; j++) for (let t = 0; t < d; t++) normalized[j * d + t] -= mean[t];
  for (let j = 0; j < c; j++) {
    const norm = nrm2(d, normalized, 1, j * d);
    if (norm === 0)
      throw new InvalidInputError(
        `concept ${j} equals the mean of the ${c} normalized concept embeddings, so centering leaves it zero; ` +
          'a concept space needs at least two distinct concepts',
      );
    for (let t = j * d; t < (j + 1) * d; t++) normalized[t] /= norm;
  }
  return normalized;
}

/**
 * The audio mean of DESIGN §1: `m_a = mean(L2(e))` over a reference (calibration) corpus of n ≥ 1 audio embeddings
 * (n×d), kept unnormalized (‖m_a‖ ≤ 1). Never pass the very input being tagged (it would cancel itself out).
 */
export function computeAudioMean(referenceNxD: ArrayLike<number>, n: number, d: number): Float64Array {
  checkMatrix(referenceNxD, n, d, 'audio reference embeddings');
  if (n === 0)
    throw new InvalidInputError('audio reference embeddings are empty: the audio mean needs at least one row');
  return meanRows(
    l2NormalizeRows(referenceNxD, n, d, 'audio reference embeddings'),
    n,
    d,
    'normalized audio reference',
  );
}
