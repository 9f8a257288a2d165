import { FormatError } from '@audio-concepts/shared-errors';
import { loadTransformersJs } from '../transformers-js';

/** The `preprocessor_config.json` settings we read (ClapFeatureExtractor's; Python names kept). */
export interface ClapPreprocessorConfig {
  feature_extractor_type: 'ClapFeatureExtractor';
  /** Samples per second the model expects (48000 for LAION CLAP). */
  sampling_rate: number;
  /** Samples in one window (480000 = 10 s). */
  nb_max_samples: number;
  /** Mel bands (64). */
  feature_size: number;
  hop_length: number;
  /** 'repeatpad' (CLAP's default), 'repeat', or anything else for zero padding. */
  padding: string;
  /** 'rand_trunc' (unfused checkpoints); 'fusion' is not implemented by transformers.js. */
  truncation: string;
  [key: string]: unknown;
}

const NUMERIC_KEYS = [
  'sampling_rate',
  'nb_max_samples',
  'feature_size',
  'hop_length',
  'fft_window_size',
  'nb_frequency_bins',
  'frequency_min',
  'frequency_max',
] as const;

/** Checks the parsed `preprocessor_config.json` at `path`; FormatError naming the key otherwise. */
export function parseClapPreprocessorConfig(json: Record<string, unknown>, path: string): ClapPreprocessorConfig {
  if (json['feature_extractor_type'] !== 'ClapFeatureExtractor')
    throw new FormatError(
      `${path}: feature_extractor_type is ${JSON.stringify(json['feature_extractor_type'])}, expected "ClapFeatureExtractor"`,
      path,
    );
  for (const key of NUMERIC_KEYS) {
    const value = json[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (key !== 'frequency_min' && value === 0))
      throw new FormatError(`${path}: ${key} must be a positive number, found ${JSON.stringify(value)}`, path);
  }
  for (const key of ['sampling_rate', 'nb_max_samples', 'feature_size', 'hop_length'] as const)
    if (!Number.isInteger(json[key]))
      throw new FormatError(`${path}: ${key} must be an integer, found ${JSON.stringify(json[key])}`, path);
  const padding = json['padding'] ?? 'repeatpad';
  const truncation = json['truncation'] ?? 'rand_trunc';
  if (typeof padding !== 'string' || typeof truncation !== 'string')
    throw new FormatError(`${path}: padding and truncation must be strings`, path);
  if (truncation === 'fusion')
    throw new FormatError(
      `${path}: truncation "fusion" (a fused CLAP checkpoint) is not supported; use an unfused model ("rand_trunc")`,
      path,
    );
  return { ...json, padding, truncation } as ClapPreprocessorConfig;
}

/**
 * Pads a window shorter than `windowSamples` as CLAP's Python feature extractor does (Python
 * `ClapFeatureExtractor._get_input_mel`): 'repeatpad' tiles it ⌊windowSamples / n⌋ times and zero-fills the
 * rest; 'repeat' tiles it until full; anything else zero-fills. transformers.js pads too, but its
 * 'repeatpad' loop tiles one copy fewer when n divides windowSamples, so windows arrive full-length.
 * A full window is returned as is.
 */
export function padWindow(window: Float32Array, windowSamples: number, padding: string): Float32Array {
  const n = window.length;
  if (n >= windowSamples) return window;
  const padded = new Float32Array(windowSamples); // zeros
  const copies =
    padding === 'repeatpad' ? Math.floor(windowSamples / n) : padding === 'repeat' ? Math.ceil(windowSamples / n) : 1;
  for (let i = 0, at = 0; i < copies; i++, at += n)
    padded.set(at + n <= windowSamples ? window : window.subarray(0, windowSamples - at), at);
  return padded;
}

/** What we use of transformers.js' ClapFeatureExtractor instance. */
interface TransformersClapExtractor {
  (audio: Float32Array): Promise<{ input_features: { dims: number[]; data: unknown } }>;
  window: Float64Array;
  mel_filters_slaney: number[][];
}

/** A batch of log-mel features: `data` is [n, 1, nFrames, nMels] row-major. */
export interface ClapFeatures {
  data: Float32Array;
  shape: [number, 1, number, number];
}

/** Where a model's features are computed: an onnxruntime graph, or transformers.js in JavaScript. */
export type FeaturePath = 'graph' | 'js';

/** PCM windows → CLAP's log-mel features, one way or the other. */
export interface FeatureExtraction {
  readonly path: FeaturePath;
  readonly sampleRate: number;
  readonly windowSamples: number;
  extract(windows: readonly Float32Array[]): Promise<ClapFeatures>;
  close(): Promise<void>;
}

/**
 * transformers.js' ClapFeatureExtractor, fed one full-length window at a time: the reference the graph is checked
 * against, and the fallback where the graph cannot run.
 */
export class ClapFeatureExtraction implements FeatureExtraction {
  readonly path = 'js';

  private constructor(
    readonly config: ClapPreprocessorConfig,
    private readonly extractor: TransformersClapExtractor,
  ) {}

  static async create(config: ClapPreprocessorConfig): Promise<ClapFeatureExtraction> {
    const { ClapFeatureExtractor } = await loadTransformersJs();
    return new ClapFeatureExtraction(config, new ClapFeatureExtractor(config) as unknown as TransformersClapExtractor);
  }

  /** The analysis window and the (Slaney) mel filter bank the extractor uses, for a graph to compute the same. */
  get analysis(): { window: Float64Array; melFilters: number[][] } {
    return { window: this.extractor.window, melFilters: this.extractor.mel_filters_slaney };
  }

  get sampleRate(): number {
    return this.config.sampling_rate;
  }

  get windowSamples(): number {
    return this.config.nb_max_samples;
  }

  async close(): Promise<void> {}

  /**
   * Features of each window (≤ windowSamples samples, checked by the caller), padded one window at a time so
   * that a window's features do not depend on the rest of its batch.
   */
  async extract(windows: readonly Float32Array[]): Promise<ClapFeatures> {
    let data: Float32Array | undefined;
    let frameSize = 0;
    let shape: ClapFeatures['shape'] = [windows.length, 1, 0, this.config.feature_size];
    for (let i = 0; i < windows.length; i++) {
      const { input_features } = await this.extractor(padWindow(windows[i], this.windowSamples, this.config.padding));
      const dims = input_features.dims;
      const values = input_features.data;
      if (dims.length !== 4 || dims[0] !== 1 || dims[1] !== 1 || !(values instanceof Float32Array))
        throw new FormatError(
          `ClapFeatureExtractor returned features of shape [${dims.join(', ')}], expected [1, 1, frames, mels]`,
        );
      if (data === undefined) {
        shape = [windows.length, 1, dims[2], dims[3]];
        frameSize = dims[2] * dims[3];
        data = new Float32Array(windows.length * frameSize);
      } else if (dims[2] !== shape[2] || dims[3] !== shape[3]) {
        throw new FormatError(
          `ClapFeatureExtractor returned [${dims.join(', ')}] for window ${i}, [1, 1, ${shape[2]}, ${shape[3]}] before`,
        );
      }
      data.set(values, i * frameSize);
    }
    return { data: data ?? new Float32Array(0), shape };
  }
}
