import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { jsMatMul, type MatMul } from '@audio-concepts/decomposer-lasso';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { Adam } from './adam';
import { batchLoss, HEAD_OBJECTIVES, type HeadObjective, type LossSettings, type UnitRows } from './head-loss';
import { splitRows } from './row-split';

export type HeadInit = 'random' | 'identity';
export const HEAD_INITS: readonly HeadInit[] = ['random', 'identity'];

export interface HeadTrainingData {
  /** raw audio embeddings, n × d row-major */
  audio: ArrayLike<number>;
  n: number;
  d: number;
  /** class index of each row, 0 … k−1 */
  labels: ArrayLike<number>;
  /** one prompt embedding per class, k × d row-major */
  prompts: ArrayLike<number>;
  k: number;
  /** 1 for the rows to train on (validation included), 0 for rows left out; all rows without it */
  trainMask?: ArrayLike<number>;
}

export interface HeadTrainingOptions {
  objective?: HeadObjective;
  init?: HeadInit;
  /** most passes over the training rows (default 100) */
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  /** share of each class's training rows held out for early stopping (default 0.1; 0 = none, train all epochs) */
  valFraction?: number;
  /** stop after this many epochs without a better validation loss (default 10) */
  patience?: number;
  /** softmax temperature of the contrastive objective (default 0.07, CLAP's) */
  temperature?: number;
  seed?: number;
  /** called after every epoch */
  onEpoch?: (progress: EpochProgress) => void;
  /**
   * the kernel of the products (default: the portable one; onnxruntime's GEMM is many times faster). Each kernel is
   * deterministic, but two kernels sum in different orders: the same seed gives the same bytes with the same kernel.
   */
  matmul?: MatMul;
}

export interface EpochProgress {
  epoch: number;
  epochs: number;
  trainLoss: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface TrainedHead {
  /** H, d × d row-major (output = H · input) */
  matrix: Float64Array;
  d: number;
  settings: Required<Omit<HeadTrainingOptions, 'onEpoch' | 'matmul'>>;
  /** the name of the product kernel that trained it */
  kernel: string;
  metrics: {
    trainRows: number;
    valRows: number;
    epochsRun: number;
    /** the epoch whose H was kept (the best validation loss; the last epoch without validation) */
    bestEpoch: number;
    trainLoss: number;
    trainAccuracy: number;
    valLoss: number | null;
    valAccuracy: number | null;
  };
}

export const HEAD_TRAINING_DEFAULTS = {
  objective: 'cosine',
  init: 'random',
  epochs: 100,
  learningRate: 1e-3,
  batchSize: 64,
  valFraction: 0.1,
  patience: 10,
  temperature: 0.07,
  seed: 1,
} as const satisfies Required<Omit<HeadTrainingOptions, 'onEpoch' | 'matmul'>>;

/**
 * Trains the projection head H of the fine-tuned variant (DESIGN §1): mini-batch Adam on the objective over the
 * training rows, shuffled each epoch, early stopping on a validation share held out per class. The same data,
 * options, seed and kernel give the same H, bit for bit (a fixed order of every sum).
 */
export async function trainHead(data: HeadTrainingData, options: HeadTrainingOptions = {}): Promise<TrainedHead> {
  const settings = resolveSettings(options);
  const matmul = options.matmul ?? jsMatMul;
  const { n, d, k } = data;
  checkData(data);
  const x = unitRows(data.audio, n, d, 'audio embeddings');
  const prompts = unitRows(data.prompts, k, d, 'prompts');
  const labels = Int32Array.from(data.labels);
  const uniform = mulberry32(settings.seed);
  const normal = gaussian(uniform);
  const { train, validation } = splitRows(labels, k, data.trainMask, settings.valFraction, uniform);
  if (train.length === 0) throw new InvalidInputError('no rows to train on: the train mask selects none');

  const H = new Float64Array(d * d);
  if (settings.init === 'identity') for (let r = 0; r < d; r++) H[r * d + r] = 1;
  else for (let i = 0; i < H.length; i++) H[i] = normal() / Math.sqrt(d);

  const loss: LossSettings = { objective: settings.objective, temperature: settings.temperature };
  const adam = new Adam(H.length, settings.learningRate);
  const gradient = new Float64Array(H.length);
  const order = Int32Array.from(train);
  let best = { H: Float64Array.from(H), valLoss: Infinity, epoch: 0 };
  let epochsRun = 0;
  let trainLoss = NaN;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    shuffle(order, uniform);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += settings.batchSize) {
      const batch = order.subarray(start, Math.min(order.length, start + settings.batchSize));
      gradient.fill(0);
      lossSum += (await batchLoss(H, x, labels, prompts, batch, loss, matmul, gradient)).loss * batch.length;
      adam.update(H, gradient);
    }
    trainLoss = lossSum / order.length;
    epochsRun = epoch;
    const val = validation.length > 0 ? await batchLoss(H, x, labels, prompts, validation, loss, matmul) : null;
    options.onEpoch?.({
      epoch,
      epochs: settings.epochs,
      trainLoss,
      valLoss: val?.loss ?? null,
      valAccuracy: val ? val.correct / validation.length : null,
    });
    if (!val) continue;
    if (val.loss < best.valLoss) best = { H: Float64Array.from(H), valLoss: val.loss, epoch };
    else if (epoch - best.epoch >= settings.patience) break;
  }
  const matrix = validation.length > 0 ? best.H : H;
  const trainFit = await batchLoss(matrix, x, labels, prompts, train, loss, matmul);
  const valFit = validation.length > 0 ? await batchLoss(matrix, x, labels, prompts, validation, loss, matmul) : null;
  return {
    matrix,
    d,
    settings,
    kernel: matmul.name,
    metrics: {
      trainRows: train.length,
      valRows: validation.length,
      epochsRun,
      bestEpoch: validation.length > 0 ? best.epoch : epochsRun,
      trainLoss: trainFit.loss,
      trainAccuracy: trainFit.correct / train.length,
      valLoss: valFit?.loss ?? null,
      valAccuracy: valFit ? valFit.correct / validation.length : null,
    },
  };
}

function resolveSettings(options: HeadTrainingOptions): TrainedHead['settings'] {
  const settings = { ...HEAD_TRAINING_DEFAULTS, ...withoutUndefined(options) };
  delete (settings as HeadTrainingOptions).onEpoch;
  delete (settings as HeadTrainingOptions).matmul;
  if (!HEAD_OBJECTIVES.includes(settings.objective))
    throw new InvalidInputError(`objective must be one of ${HEAD_OBJECTIVES.join(', ')}, got '${settings.objective}'`);
  if (!HEAD_INITS.includes(settings.init))
    throw new InvalidInputError(`init must be one of ${HEAD_INITS.join(', ')}, got '${settings.init}'`);
  const positiveInteger = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidInputError(`${name} must be an integer ≥ 1, got ${value}`);
  };
  positiveInteger('epochs', settings.epochs);
  positiveInteger('batch size', settings.batchSize);
  positiveInteger('patience', settings.patience);
  if (!(settings.learningRate > 0 && Number.isFinite(settings.learningRate)))
    throw new InvalidInputError(`learning rate must be a positive number, got ${settings.learningRate}`);
  if (!(settings.valFraction >= 0 && settings.valFraction < 1))
    throw new InvalidInputError(`validation fraction must be in [0, 1), got ${settings.valFraction}`);
  if (!(settings.temperature > 0 && Number.isFinite(settings.temperature)))
    throw new InvalidInputError(`temperature must be a positive number, got ${settings.temperature}`);
  if (!Number.isInteger(settings.seed)) throw new InvalidInputError(`seed must be an integer, got ${settings.seed}`);
  return settings;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function checkData({ audio, n, d, labels, prompts, k, trainMask }: HeadTrainingData): void {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1 && Number.isInteger(k) && k >= 2))
    throw new InvalidInputError(`need n ≥ 1 rows, d ≥ 1 dimensions and k ≥ 2 classes, got n ${n}, d ${d}, k ${k}`);
  if (audio.length !== n * d)
    throw new ShapeMismatchError(
      `audio embeddings: ${audio.length} values do not fit [${n}, ${d}]`,
      [n, d],
      [audio.length],
    );
  if (prompts.length !== k * d)
    throw new ShapeMismatchError(
      `prompts: ${prompts.length} values do not fit [${k}, ${d}] (one prompt per class, the audio's dimension)`,
      [k, d],
      [prompts.length],
    );
  if (labels.length !== n)
    throw new ShapeMismatchError(`labels: ${labels.length} values for ${n} audio rows`, [n], [labels.length]);
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= k)
      throw new InvalidInputError(`labels[${i}] is ${labels[i]}; a label must be a class index from 0 to ${k - 1}`);
  if (trainMask) {
    if (trainMask.length !== n)
      throw new ShapeMismatchError(
        `train mask: ${trainMask.length} values for ${n} audio rows`,
        [n],
        [trainMask.length],
      );
    for (let i = 0; i < n; i++)
      if (trainMask[i] !== 0 && trainMask[i] !== 1)
        throw new InvalidInputError(`train mask[${i}] is ${trainMask[i]}; the mask holds 0 or 1`);
  }
}

/** L2-normalized copy; a row that is zero or not finite is refused, naming it. */
function unitRows(values: ArrayLike<number>, rows: number, d: number, what: string): UnitRows {
  const data = new Float64Array(rows * d);
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const value = values[i * d + t];
      if (!Number.isFinite(value)) throw new InvalidInputError(`${what}: row ${i} has ${value} at column ${t}`);
      norm += value * value;
    }
    if (norm === 0) throw new InvalidInputError(`${what}: row ${i} is all zeros (it has no direction)`);
    const inverse = 1 / Math.sqrt(norm);
    for (let t = 0; t < d; t++) data[i * d + t] = values[i * d + t] * inverse;
  }
  return { data, rows, d };
}

/** Fisher–Yates with the given uniform source. */
function shuffle(values: Int32Array, uniform: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}
