import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapEncoder } from './clap-encoder';
import { installedCudaProvider } from './execution-provider';
import {
  ExecutionProviderError,
  MissingModelFileError,
  ModelNotFoundError,
  NetworkNotAllowedError,
} from './model.errors';
import { TINY_CLAP_PREPROCESSOR_CONFIG, writeTinyClapModel, type TinyClapModel } from './testing';
import { loadTransformersJs } from './transformers-js';

const SR = 48000;
const WINDOW = 480000;
/** Embeddings are unit vectors of float32 sums; batching only reorders float32 work inside onnxruntime. */
const TOL = 1e-5;

/** A deterministic test clip: two partials and a little seeded noise, `seconds` long at 48 kHz. */
function clip(seconds: number, f0 = 440, seed = 1): Float32Array {
  let s = seed;
  return Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    const t = i / SR;
    return (
      0.4 * Math.sin(2 * Math.PI * f0 * t) + 0.2 * Math.sin(2 * Math.PI * 3.1 * f0 * t) + 0.01 * (s / 2147483648 - 0.5)
    );
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function rowNorms(rowsNxD: Float32Array, d: number): number[] {
  return Array.from({ length: rowsNxD.length / d }, (_, r) => Math.hypot(...rowsNxD.subarray(r * d, (r + 1) * d)));
}

function normalized(v: Float64Array): Float64Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** By hand: transformers.js' extractor on the full 10 s window, mean over frames, · projection, L2. */
async function expectedAudioEmbedding(model: TinyClapModel, window10s: Float32Array): Promise<Float64Array> {
  const { ClapFeatureExtractor } = await loadTransformersJs();
  const { input_features } = await new ClapFeatureExtractor({ ...TINY_CLAP_PREPROCESSOR_CONFIG })(window10s);
  const [, , frames, mels] = input_features.dims as number[];
  const features = input_features.data as Float32Array;
  const mean = new Float64Array(mels);
  for (let t = 0; t < frames; t++) for (let m = 0; m < mels; m++) mean[m] += features[t * mels + m] / frames;
  const d = model.dimension;
  const e = new Float64Array(d);
  for (let m = 0; m < mels; m++) for (let j = 0; j < d; j++) e[j] += mean[m] * model.projection64xD[m * d + j];
  return normalized(e);
}

/** By hand: the mean of the tokens' word vectors, L2. */
function expectedTextEmbedding(model: TinyClapModel, tokens: string[]): Float64Array {
  const d = model.dimension;
  const e = new Float64Array(d);
  for (const token of tokens) {
    const id = model.vocab.indexOf(token);
    expect(id, token).toBeGreaterThanOrEqual(0);
    for (let j = 0; j < d; j++) e[j] += model.wordVectorsVxD[id * d + j] / tokens.length;
  }
  return normalized(e);
}

describe('ClapEncoder on a tiny real model', () => {
  let root: string;
  let model: TinyClapModel;
  let encoder: ClapEncoder;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'clap-encoder-'));
    model = await writeTinyClapModel(join(root, 'model'), { dimension: 8, quantized: true });
    encoder = await ClapEncoder.load(model.dir, { maxBatch: 3 });
  });

  afterAll(async () => {
    await encoder.close();
    await rm(root, { recursive: true, force: true });
  });

  it('loads: CPU here, D from the towers, CLAP window settings from preprocessor_config', () => {
    expect(encoder.provider).toBe(installedCudaProvider() ? 'cuda' : 'cpu');
    expect(encoder.dimension).toBe(8);
    expect(encoder.sampleRate).toBe(48000);
    expect(encoder.windowSamples).toBe(480000);
    expect(encoder.modelId).toMatch(/^[0-9a-f]{16}$/);
    expect(encoder.modelDir).toBe(model.dir);
  });

  it('has a model id that is stable across copies and changes when a file changes', async () => {
    const copy = join(root, 'copy');
    await cp(model.dir, copy, { recursive: true });
    const fromCopy = await ClapEncoder.load(copy, { device: 'cpu' });
    expect(fromCopy.modelId).toBe(encoder.modelId);
    await fromCopy.close();

    const tokenizerConfig = join(copy, 'tokenizer_config.json');
    const config = JSON.parse(await readFile(tokenizerConfig, 'utf8')) as Record<string, unknown>;
    await writeFile(tokenizerConfig, JSON.stringify({ ...config, model_max_length: 8 }));
    const edited = await ClapEncoder.load(copy, { device: 'cpu' });
    expect(edited.modelId).not.toBe(encoder.modelId);
    await edited.close();

    const otherWeights = await writeTinyClapModel(join(root, 'seed2'), { seed: 2 });
    const other = await ClapEncoder.load(otherWeights.dir, { device: 'cpu' });
    expect(other.modelId).not.toBe(encoder.modelId);
    await other.close();
  });

  it('gives unit-norm audio embeddings equal to the hand computation', async () => {
    const window = clip(10);
    const embedding = await encoder.encodeAudio([window]);
    expect(embedding).toHaveLength(8);
    expect(rowNorms(embedding, 8)[0]).toBeCloseTo(1, 6);
    expect(maxAbsDiff(embedding, await expectedAudioEmbedding(model, window))).toBeLessThan(TOL);
  });

  it('repeat-pads a 3 s window: equal to the clip tiled three times with 1 s of silence', async () => {
    const short = clip(3, 620, 7);
    const tiled = new Float32Array(WINDOW);
    for (let at = 0; at + short.length <= WINDOW; at += short.length) tiled.set(short, at);
    const [a, b] = [await encoder.encodeAudio([short]), await encoder.encodeAudio([tiled])];
    expect(maxAbsDiff(a, b)).toBeLessThan(TOL);
    expect(maxAbsDiff(a, await expectedAudioEmbedding(model, tiled))).toBeLessThan(TOL);
    // 2.5 s divides 10 s: four copies fill the window, as CLAP's Python extractor does.
    const quarter = clip(2.5, 300, 3);
    const four = new Float32Array(WINDOW);
    for (let k = 0; k < 4; k++) four.set(quarter, k * quarter.length);
    expect(maxAbsDiff(await encoder.encodeAudio([quarter]), await encoder.encodeAudio([four]))).toBeLessThan(TOL);
  });

  it('gives the same embeddings for a batch of mixed lengths as one window at a time', async () => {
    const windows = [
      clip(10, 200),
      clip(3, 330),
      clip(0.02, 1000),
      clip(6.4, 90),
      clip(10, 2500),
      clip(1.7, 700),
      clip(9.99, 50),
    ];
    const batched = await encoder.encodeAudio(windows); // maxBatch 3: batches of 3, 3 and 1
    expect(batched).toHaveLength(windows.length * 8);
    rowNorms(batched, 8).forEach((norm) => expect(norm).toBeCloseTo(1, 6));
    const single = new Float32Array(windows.length * 8);
    for (let i = 0; i < windows.length; i++) single.set(await encoder.encodeAudio([windows[i]]), i * 8);
    expect(maxAbsDiff(batched, single)).toBeLessThan(TOL);
  });

  it('gives unit-norm text embeddings equal to the hand computation, batched or not', async () => {
    const texts = ['This is a sound of rain.', 'DOG barking', 'a banjo', '', 'thunder, wind and water'];
    const batched = await encoder.encodeText(texts);
    expect(batched).toHaveLength(texts.length * 8);
    rowNorms(batched, 8).forEach((norm) => expect(norm).toBeCloseTo(1, 6));
    const tokens = [
      ['[CLS]', 'this', 'is', 'a', 'sound', 'of', 'rain', '.', '[SEP]'],
      ['[CLS]', 'dog', 'barking', '[SEP]'],
      ['[CLS]', 'a', '[UNK]', '[SEP]'],
      ['[CLS]', '[SEP]'],
      ['[CLS]', 'thunder', ',', 'wind', '[UNK]', 'water', '[SEP]'],
    ];
    tokens.forEach((t, i) =>
      expect(maxAbsDiff(batched.subarray(i * 8, (i + 1) * 8), expectedTextEmbedding(model, t))).toBeLessThan(TOL),
    );
    const single = new Float32Array(texts.length * 8);
    for (let i = 0; i < texts.length; i++) single.set(await encoder.encodeText([texts[i]]), i * 8);
    expect(maxAbsDiff(batched, single)).toBeLessThan(TOL);
  });

  it('truncates a text longer than model_max_length (16 tokens)', async () => {
    const words = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'rain' : 'dog'));
    const [embedding] = [await encoder.encodeText([words.join(' ')])];
    // transformers.js cuts the encoded ids (with [CLS] … [SEP]) to the first 16.
    expect(maxAbsDiff(embedding, expectedTextEmbedding(model, ['[CLS]', ...words.slice(0, 15)]))).toBeLessThan(TOL);
  });

  it('returns an empty array for an empty batch', async () => {
    expect(await encoder.encodeAudio([])).toEqual(new Float32Array(0));
    expect(await encoder.encodeText([])).toEqual(new Float32Array(0));
  });

  it('rejects a window longer than windowSamples, naming it and the limit', async () => {
    const attempt = encoder.encodeAudio([clip(1), new Float32Array(WINDOW + 1)]);
    await expect(attempt).rejects.toThrow(ShapeMismatchError);
    await expect(attempt).rejects.toThrow(
      "window 1 has 480001 samples, more than the model's window of 480000 (10 s at 48000 Hz); split the audio into windows of at most 480000 samples",
    );
  });

  it('rejects NaN, ±Inf, empty and non-Float32Array windows before any work, naming the window', async () => {
    const withNaN = clip(2);
    withNaN[123] = NaN;
    const error = await encoder.encodeAudio([clip(1), clip(1), withNaN]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteValueError);
    expect([(error as NonFiniteValueError).row, (error as NonFiniteValueError).column]).toEqual([2, 123]);
    expect((error as Error).message).toBe('window 2 has NaN at sample 123; audio samples must be finite');
    await expect(encoder.encodeAudio([Float32Array.of(0, Infinity)])).rejects.toThrow(
      'window 0 has Infinity at sample 1',
    );
    await expect(encoder.encodeAudio([clip(1), new Float32Array(0)])).rejects.toThrow(
      new InvalidInputError('window 1 is empty'),
    );
    await expect(encoder.encodeAudio([new Float64Array(10) as unknown as Float32Array])).rejects.toThrow(
      'window 0 is Float64Array, expected a Float32Array',
    );
    await expect(encoder.encodeText(['rain', 3 as unknown as string])).rejects.toThrow(
      'text 1 is number, expected a string',
    );
  });

  it("dtype 'q8' (or 'quantized') runs the *_quantized.onnx towers", async () => {
    const q8 = await ClapEncoder.load(model.dir, { dtype: 'q8', device: 'cpu', lazyTextTower: true });
    const quantized = await ClapEncoder.load(model.dir, { dtype: 'quantized', device: 'cpu', lazyTextTower: true });
    expect(q8.modelId).toBe(quantized.modelId);
    await Promise.all([q8.close(), quantized.close()]);
  });

  it("dtype 'fp16' runs the *_fp16.onnx towers of a directory that holds them", async () => {
    const dir = join(root, 'fp16');
    await cp(model.dir, dir, { recursive: true });
    for (const tower of ['audio_model', 'text_model'])
      await rename(join(dir, 'onnx', `${tower}.onnx`), join(dir, 'onnx', `${tower}_fp16.onnx`));
    const fp16 = await ClapEncoder.load(dir, { dtype: 'fp16', device: 'cpu' });
    const window = clip(3);
    expect(await fp16.encodeAudio([window])).toEqual(await encoder.encodeAudio([window]));
    await fp16.close();
    const fp32 = await ClapEncoder.load(dir, { device: 'cpu' }).catch((e: unknown) => e);
    expect(fp32).toBeInstanceOf(MissingModelFileError);
    expect((fp32 as MissingModelFileError).missing).toEqual(['onnx/audio_model.onnx', 'onnx/text_model.onnx']);
    expect((fp32 as MissingModelFileError).dtypesPresent).toEqual(['fp16', 'q8']);
  });

  it("dtype 'quantized' runs the *_quantized.onnx towers", async () => {
    const quantized = await ClapEncoder.load(model.dir, { dtype: 'quantized', device: 'cpu' });
    expect(quantized.modelId).not.toBe(encoder.modelId);
    const window = clip(10);
    const [q, f] = [await quantized.encodeAudio([window]), await encoder.encodeAudio([window])];
    expect(maxAbsDiff(q, f)).toBeGreaterThan(1e-4); // weights rounded to 1/16
    expect(maxAbsDiff(q, f)).toBeLessThan(0.2);
    await quantized.close();
  });

  it('finds D by a probe run when the towers declare it symbolic', async () => {
    const symbolic = await writeTinyClapModel(join(root, 'symbolic'), { dimension: 5, symbolicDimension: true });
    const probed = await ClapEncoder.load(symbolic.dir, { device: 'cpu' });
    expect(probed.dimension).toBe(5);
    expect(await probed.encodeAudio([clip(1)])).toHaveLength(5);
    await probed.close();
  });

  it('rejects towers that disagree on D', async () => {
    const mixed = join(root, 'mixed');
    await writeTinyClapModel(mixed, { dimension: 8 });
    const six = await writeTinyClapModel(join(root, 'six'), { dimension: 6 });
    await cp(join(six.dir, 'onnx/text_model.onnx'), join(mixed, 'onnx/text_model.onnx'));
    await expect(ClapEncoder.load(mixed, { device: 'cpu' })).rejects.toThrow(
      /the towers disagree on the embedding size: .*audio_model\.onnx gives audio_embeds of 8, .*text_model\.onnx gives text_embeds of 6/,
    );
  });

  it('warns that a benchmark-only model (random weights) gives meaningless embeddings; no warning otherwise', async () => {
    expect(encoder.benchmarkOnly).toBe(false);
    expect(encoder.warning).toBeUndefined();
    const dir = join(root, 'benchmark-only');
    await writeTinyClapModel(dir, { benchmarkOnly: true });
    const benchmark = await ClapEncoder.load(dir, { lazyTextTower: true });
    try {
      expect(benchmark.benchmarkOnly).toBe(true);
      expect(benchmark.warning).toBe(
        `${dir} is a benchmark model (CLAP's architecture, random weights): its embeddings and tags are meaningless`,
      );
    } finally {
      await benchmark.close();
    }
  });

  it('lazyTextTower: encodes audio without the text tower, loads it on the first encodeText', async () => {
    const lazy = await ClapEncoder.load(model.dir, { device: 'cpu', lazyTextTower: true });
    expect(lazy.textTowerLoaded).toBe(false);
    expect([lazy.modelId, lazy.dimension]).toEqual([encoder.modelId, encoder.dimension]);
    expect(await lazy.encodeAudio([clip(2)])).toEqual(await encoder.encodeAudio([clip(2)]));
    expect(lazy.textTowerLoaded).toBe(false);
    expect(await lazy.encodeText(['rain'])).toEqual(await encoder.encodeText(['rain']));
    expect(lazy.textTowerLoaded).toBe(true);
    await lazy.close();
  });

  it('lazyTextTower: a text tower that disagrees on D fails at the first encodeText', async () => {
    const lazy = await ClapEncoder.load(join(root, 'mixed'), { device: 'cpu', lazyTextTower: true });
    await expect(lazy.encodeText(['rain'])).rejects.toThrow(/the towers disagree on the embedding size/);
    await lazy.close();
  });

  it('fails clearly after close', async () => {
    const closing = await ClapEncoder.load(model.dir, { device: 'cpu' });
    await closing.close();
    await closing.close();
    await expect(closing.encodeText(['rain'])).rejects.toThrow('this ClapEncoder has been closed');
    await expect(closing.encodeAudio([new Float32Array(4800)])).rejects.toThrow('this ClapEncoder has been closed');
  });

  describe('load errors', () => {
    it('a missing directory', async () => {
      const dir = join(root, 'no', 'such', 'model');
      await expect(ClapEncoder.load(dir)).rejects.toThrow(
        new ModelNotFoundError(`model directory ${dir} does not exist`, dir),
      );
    });

    it('a missing onnx file, listing what is expected', async () => {
      const dir = join(root, 'no-audio');
      await writeTinyClapModel(dir);
      await rm(join(dir, 'onnx/audio_model.onnx'));
      const attempt = ClapEncoder.load(dir);
      await expect(attempt).rejects.toThrow(MissingModelFileError);
      await expect(attempt).rejects.toThrow(
        /lacks onnx\/audio_model\.onnx .* needs config\.json, preprocessor_config\.json, tokenizer\.json, tokenizer_config\.json, onnx\/audio_model\.onnx, onnx\/text_model\.onnx$/,
      );
    });

    it('malformed config JSON, naming the file', async () => {
      const dir = join(root, 'bad-preprocessor');
      await writeTinyClapModel(dir);
      await writeFile(join(dir, 'preprocessor_config.json'), '{ "sampling_rate": 48000 ');
      const attempt = ClapEncoder.load(dir);
      await expect(attempt).rejects.toThrow(FormatError);
      await expect(attempt).rejects.toThrow(`${join(dir, 'preprocessor_config.json')} is not valid JSON`);
    });

    it('a corrupt onnx file, naming it', async () => {
      const dir = join(root, 'corrupt-onnx');
      await writeTinyClapModel(dir);
      await writeFile(join(dir, 'onnx/text_model.onnx'), 'not a model');
      await expect(ClapEncoder.load(dir, { device: 'cpu' })).rejects.toThrow(
        `onnxruntime could not load ${join(dir, 'onnx/text_model.onnx')}`,
      );
    });

    it('a tower with the wrong tensor names', async () => {
      const dir = join(root, 'swapped');
      await writeTinyClapModel(dir);
      await cp(join(dir, 'onnx/text_model.onnx'), join(dir, 'onnx/audio_model.onnx'));
      await expect(ClapEncoder.load(dir, { device: 'cpu' })).rejects.toThrow(
        /audio_model\.onnx is not a CLAP tower of the transformers\.js layout: no input input_features; inputs we cannot feed: input_ids, attention_mask; no output audio_embeds/,
      );
    });

    it('a hub id without network, naming the id and how to allow it', async () => {
      const attempt = ClapEncoder.load('Xenova/clap-htsat-unfused');
      await expect(attempt).rejects.toThrow(NetworkNotAllowedError);
      await expect(attempt).rejects.toThrow(/"Xenova\/clap-htsat-unfused".*network access is off: allow it/);
    });

    it("device 'cuda' without a CUDA build", async () => {
      if (installedCudaProvider()) return; // a CUDA build: nothing to check here
      await expect(ClapEncoder.load(model.dir, { device: 'cuda' })).rejects.toThrow(ExecutionProviderError);
    });

    it('bad options', async () => {
      await expect(ClapEncoder.load(model.dir, { maxBatch: 0 })).rejects.toThrow(
        'maxBatch must be a positive integer, got 0',
      );
      await expect(ClapEncoder.load(model.dir, { dtype: 'fp64' as 'fp32' })).rejects.toThrow(
        'dtype must be one of fp32, fp16, q8, quantized, int8, uint8, q4, q4f16, bnb4, got "fp64"',
      );
      await expect(ClapEncoder.load(model.dir, { device: 'gpu' as 'cuda' })).rejects.toThrow(
        "device must be 'auto', 'cpu' or 'cuda'",
      );
      await expect(ClapEncoder.load(model.dir, { intraOpThreads: 1.5 })).rejects.toThrow(
        'intraOpThreads must be a positive integer',
      );
    });
  });
});
