import { wordPieceTokenizerFiles } from './clap/wordpiece-tokenizer.files';
import { mulberry32 } from '@audio-concepts/shared-random';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxElemType, OnnxGraph, type Dim } from '@audio-concepts/shared-onnx-builder';

export { startConnectProxy, startModelHub, type TestServer } from './hub.testing';

/** CLAP's `preprocessor_config.json` (laion/clap-htsat-unfused settings, as transformers.js reads them). */
export const TINY_CLAP_PREPROCESSOR_CONFIG = {
  feature_extractor_type: 'ClapFeatureExtractor',
  feature_size: 64,
  sampling_rate: 48000,
  hop_length: 480,
  fft_window_size: 1024,
  n_fft: 1024,
  nb_frequency_bins: 513,
  frequency_min: 50,
  frequency_max: 14000,
  max_length_s: 10,
  nb_max_samples: 480000,
  nb_max_frames: 1000,
  chunk_length_s: 10,
  padding: 'repeatpad',
  truncation: 'rand_trunc',
  padding_side: 'right',
  padding_value: 0.0,
  return_attention_mask: false,
  top_db: null,
} as const;

/** Special tokens of the tiny tokenizer, at ids 0–3. */
export const TINY_CLAP_SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;

export const TINY_CLAP_DEFAULT_WORDS = [
  'this', 'is', 'a', 'sound', 'of', 'the', 'rain', 'thunder', 'dog', 'barking', 'car', 'engine', 'traffic',
  'speech', 'music', 'guitar', 'piano', 'birds', 'wind', 'water', '.', ',',
]; // prettier-ignore

export interface TinyClapModelOptions {
  /** Embedding size D (default 8). */
  dimension?: number;
  /** Seed of the weights (default 1). */
  seed?: number;
  /** Lower-case words after the special tokens (default TINY_CLAP_DEFAULT_WORDS). */
  words?: readonly string[];
  /** tokenizer_config model_max_length, the truncation length (default 16). */
  modelMaxLength?: number;
  /** Also write `onnx/*_quantized.onnx`, with the weights rounded to multiples of 1/16 (default false). */
  quantized?: boolean;
  /** Declare the towers' embedding dimension as symbolic ('embedding_dim'), as some exports do (default false). */
  symbolicDimension?: boolean;
  /** Mark it `benchmark_only` in config.json, as tools/clap-size-model marks its random-weight model (default false). */
  benchmarkOnly?: boolean;
}

/** A tiny CLAP model directory and the weights to compute its embeddings by hand. */
export interface TinyClapModel {
  dir: string;
  dimension: number;
  /** Audio tower: audio_embeds = mean over frames of input_features [64] · projection (64 × D, row-major). */
  projection64xD: Float32Array;
  /** Text tower: text_embeds = mean over unmasked tokens of wordVectors[id] (V × D, row-major). */
  wordVectorsVxD: Float32Array;
  /** Token of each id: the special tokens, then the words. */
  vocab: string[];
}

/**
 * Writes a tiny but real CLAP model in the transformers.js layout (DESIGN §2) into `dir`: config.json,
 * CLAP's preprocessor_config.json, a lower-casing WordPiece tokenizer ([CLS] text [SEP], [PAD] = 0, [UNK]),
 * and two ONNX towers: audio averages `input_features` [batch, 1, frames, 64] over time and projects it by
 * a fixed 64 × D matrix; text averages word vectors under the attention mask. Weights are seeded.
 */
export async function writeTinyClapModel(dir: string, options: TinyClapModelOptions = {}): Promise<TinyClapModel> {
  const d = options.dimension ?? 8;
  const words = options.words ?? TINY_CLAP_DEFAULT_WORDS;
  const vocab = [...TINY_CLAP_SPECIAL_TOKENS, ...words];
  const random = mulberry32(options.seed ?? 1);
  const projection64xD = Float32Array.from({ length: 64 * d }, () => random() * 2 - 1);
  const wordVectorsVxD = Float32Array.from({ length: vocab.length * d }, () => random() * 2 - 1);

  await mkdir(join(dir, 'onnx'), { recursive: true });
  const json = (name: string, value: unknown): Promise<void> =>
    writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  await json('config.json', {
    model_type: 'clap',
    architectures: ['ClapModel'],
    projection_dim: d,
    ...(options.benchmarkOnly ? { benchmark_only: true } : {}),
  });
  await json('preprocessor_config.json', TINY_CLAP_PREPROCESSOR_CONFIG);
  for (const [name, content] of Object.entries(wordPieceTokenizerFiles(vocab, options.modelMaxLength ?? 16)))
    await json(name, content);
  const outDim = options.symbolicDimension ? 'embedding_dim' : d;
  await writeFile(join(dir, 'onnx/audio_model.onnx'), audioTower(projection64xD, d, outDim));
  await writeFile(join(dir, 'onnx/text_model.onnx'), textTower(wordVectorsVxD, vocab.length, d, outDim));
  if (options.quantized) {
    const round = (x: Float32Array): Float32Array => x.map((v) => Math.round(v * 16) / 16);
    await writeFile(join(dir, 'onnx/audio_model_quantized.onnx'), audioTower(round(projection64xD), d, outDim));
    await writeFile(
      join(dir, 'onnx/text_model_quantized.onnx'),
      textTower(round(wordVectorsVxD), vocab.length, d, outDim),
    );
  }
  return { dir, dimension: d, projection64xD, wordVectorsVxD, vocab };
}

/** input_features [batch, 1, frames, 64] → ReduceMean over (1, 2) → [batch, 64] · P (64 × D) → audio_embeds. */
function audioTower(projection64xD: Float32Array, d: number, outDim: Dim): Uint8Array {
  const g = new OnnxGraph('tiny_clap_audio');
  const x = g.input('input_features', OnnxElemType.FLOAT, ['batch_size', 1, 'frames', 64]);
  const mean = g.op('ReduceMean', [x], { axes: [1, 2], keepdims: 0 });
  g.output(
    g.op('MatMul', [mean, g.constant('projection', projection64xD, [64, d])]),
    'audio_embeds',
    OnnxElemType.FLOAT,
    ['batch_size', outDim],
  );
  return g.encode();
}

/** Σ_t mask[t]·E[ids[t]] / Σ_t mask[t] → text_embeds [batch, D]. */
function textTower(wordVectorsVxD: Float32Array, v: number, d: number, outDim: Dim): Uint8Array {
  const g = new OnnxGraph('tiny_clap_text');
  const ids = g.input('input_ids', OnnxElemType.INT64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', OnnxElemType.INT64, ['batch_size', 'sequence_length']);
  const vectors = g.op('Gather', [g.constant('word_vectors', wordVectorsVxD, [v, d]), ids], { axis: 0 }); // [b, s, D]
  const maskF = g.op('Cast', [mask], { to: OnnxElemType.FLOAT }); // [b, s]
  const masked = g.op('Mul', [vectors, g.op('Unsqueeze', [maskF, g.int64('axis2', [2])])]);
  const sum = g.op('ReduceSum', [masked, g.int64('axis1', [1])], { keepdims: 0 }); // [b, D]
  const count = g.op('ReduceSum', [maskF, g.int64('axis1b', [1])], { keepdims: 1 }); // [b, 1]
  g.output(g.op('Div', [sum, count]), 'text_embeds', OnnxElemType.FLOAT, ['batch_size', outDim]);
  return g.encode();
}
