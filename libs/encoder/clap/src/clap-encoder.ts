import { join } from 'node:path';
import {
  AudioConceptsError,
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
} from '@audio-concepts/shared-errors';
import {
  ClapFeatureExtraction,
  parseClapPreprocessorConfig,
  type FeatureExtraction,
  type FeaturePath,
} from './clap/feature-extraction';
import { LogMelGraphExtraction } from './clap/log-mel.extraction';
import { CLAP_DTYPES, clapModelFiles, readClapModelDir, type ClapDtype } from './clap/model-files';
import { ClapSessions, type ClapTokens } from './clap/session';
import { type ClapDevice, type ExecutionProvider, type SessionDeps } from './execution-provider';
import { l2NormalizeRows } from './maths';
import { computeModelId } from './model-id';
import { resolveModelDir } from './model-source';
import { loadTransformersJs, type TransformersJs } from './transformers-js';

export interface ClapLoadOptions {
  /**
   * Allow downloading a hub id (default false). Without it a hub id loads only when its copy in `cacheDir` is
   * complete (fetched earlier, or copied in by hand), else it fails with NetworkNotAllowedError.
   */
  allowNetwork?: boolean;
  /** The model store: a hub id's copy is `<cacheDir>/<owner>/<name>/` (default: transformers.js' env.cacheDir). */
  cacheDir?: string;
  /** 'auto' (default): CUDA when the installed onnxruntime-node has it, else CPU. 'cuda' fails without it. */
  device?: ClapDevice;
  /**
   * The towers' ONNX export, by transformers.js' dtype names: 'fp32' (default) loads onnx/{audio,text}_model.onnx,
   * 'q8' (or 'quantized') onnx/{audio,text}_model_quantized.onnx, 'fp16' …_fp16.onnx, and so on (CLAP_DTYPE_SUFFIXES).
   */
  dtype?: ClapDtype;
  /** Windows or texts per session run (default 8). */
  maxBatch?: number;
  /** Threads of onnxruntime's intra-op pool (default: onnxruntime's choice). */
  intraOpThreads?: number;
  /**
   * Open the text tower on the first `encodeText` rather than now (default false), for callers that only encode
   * audio. Needs an audio tower that declares D; otherwise the text tower is opened now to find it.
   */
  lazyTextTower?: boolean;
  /**
   * Where the log-mel features are computed: 'graph' in an onnxruntime graph on the audio tower's provider, a batch
   * per run; 'js' in transformers.js, window by window (the reference); 'auto' (default) the graph where the towers
   * run on CUDA (the GPU does not wait on one JavaScript thread) and JavaScript on the CPU (measured as fast or faster
   * there on two cores: README, "Encoder speed"). Where the graph cannot be built or opened, it falls back to 'js' and
   * `featureFallback` says why.
   */
  features?: FeaturePath | 'auto';
}

export const DEFAULT_MAX_BATCH = 8;

type Tokenizer = Awaited<ReturnType<TransformersJs['AutoTokenizer']['from_pretrained']>>;

/**
 * A CLAP model in the transformers.js layout (DESIGN §2): features and tokens from transformers.js, the two
 * towers run by onnxruntime-node in batches of at most `maxBatch`. Every embedding row is L2-normalized.
 */
export class ClapEncoder {
  private closed = false;

  private constructor(
    /** Content hash of the model files (see computeModelId); stable across copies of the directory. */
    readonly modelId: string,
    /** The absolute model directory (a hub id's download folder for hub ids). */
    readonly modelDir: string,
    /**
     * True for a model whose config.json says `benchmark_only` (tools/clap-size-model: CLAP's architecture with random
     * weights): it measures speed, and its embeddings and tags are meaningless.
     */
    readonly benchmarkOnly: boolean,
    readonly maxBatch: number,
    private readonly features: FeatureExtraction,
    private readonly tokenizer: Tokenizer,
    private readonly sessions: ClapSessions,
    /** Why the features run in JavaScript although the graph was asked for; undefined otherwise. */
    readonly featureFallback?: string,
  ) {}

  /** Where the log-mel features are computed. */
  get featurePath(): FeaturePath {
    return this.features.path;
  }

  /** Where the features are computed, in words for a start-up line, with the fallback's reason. */
  get featureSummary(): string {
    const where = this.featurePath === 'graph' ? 'in the onnxruntime graph' : 'in JavaScript';
    return `log-mel features ${where}${this.featureFallback ? ` (${this.featureFallback})` : ''}`;
  }

  /** The warning to print wherever this model is used, or undefined: a benchmark-only model's tags mean nothing. */
  get warning(): string | undefined {
    return this.benchmarkOnly
      ? `${this.modelDir} is a benchmark model (CLAP's architecture, random weights): its embeddings and tags are meaningless`
      : undefined;
  }

  /** Embedding size D. */
  get dimension(): number {
    return this.sessions.dimension;
  }

  /** Whether the text tower is loaded (false with `lazyTextTower` until the first `encodeText`). */
  get textTowerLoaded(): boolean {
    return this.sessions.textLoaded;
  }

  /** The execution provider onnxruntime actually gave the sessions. */
  get provider(): ExecutionProvider {
    return this.sessions.provider;
  }

  /** Samples per second the model expects (preprocessor_config sampling_rate). */
  get sampleRate(): number {
    return this.features.sampleRate;
  }

  /** Samples in one window (preprocessor_config nb_max_samples; 480000 = 10 s at 48 kHz). */
  get windowSamples(): number {
    return this.features.windowSamples;
  }

  /**
   * Loads `model`: a model directory, or a Hugging Face hub id ("Xenova/clap-htsat-unfused") when
   * `allowNetwork` is set. `deps` replaces onnxruntime's session factory in tests.
   */
  static async load(model: string, options: ClapLoadOptions = {}, deps?: SessionDeps): Promise<ClapEncoder> {
    const opts = checkOptions(options);
    const dir = await clapModelDir(model, { ...options, dtype: opts.dtype });
    const layout = await readClapModelDir(dir, opts.dtype);
    const preprocessor = parseClapPreprocessorConfig(layout.preprocessorConfig, join(dir, 'preprocessor_config.json'));
    const { AutoTokenizer } = await loadTransformersJs();
    const [modelId, jsFeatures, tokenizer] = await Promise.all([
      computeModelId(dir, layout.files),
      ClapFeatureExtraction.create(preprocessor),
      // An absolute path: transformers.js reads a relative "owner/name" as a hub id under env.localModelPath.
      AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
    ]);
    const sessions = await ClapSessions.open(
      { audio: join(dir, layout.onnx.audio), text: join(dir, layout.onnx.text) },
      { device: opts.device, intraOpThreads: options.intraOpThreads, lazyText: options.lazyTextTower },
      deps,
    );
    const benchmarkOnly = layout.config.benchmark_only === true;
    const encoder = (features: FeatureExtraction, fallback?: string) =>
      new ClapEncoder(modelId, dir, benchmarkOnly, opts.maxBatch, features, tokenizer, sessions, fallback);
    const path = opts.features === 'auto' ? (sessions.provider === 'cuda' ? 'graph' : 'js') : opts.features;
    if (path === 'js') return encoder(jsFeatures);
    const graph = await openFeatureGraph(jsFeatures, sessions.provider, options.intraOpThreads);
    return typeof graph === 'string' ? encoder(jsFeatures, graph) : encoder(graph);
  }

  /**
   * Audio embeddings, n × D row-major, each row unit-norm. Each window holds at most `windowSamples` samples
   * at `sampleRate`; shorter ones are repeat-padded on their own (CLAP's "repeatpad"), so a window's
   * embedding does not depend on its batch. Longer ones are rejected: the caller splits audio into windows.
   */
  async encodeAudio(windows: readonly Float32Array[]): Promise<Float32Array> {
    if (this.closed) throw new AudioConceptsError('this ClapEncoder has been closed');
    checkWindows(windows, this.windowSamples, this.sampleRate);
    const d = this.dimension;
    const out = new Float32Array(windows.length * d);
    for (let start = 0; start < windows.length; start += this.maxBatch) {
      const batch = windows.slice(start, start + this.maxBatch);
      const features = await this.features.extract(batch);
      out.set(await this.sessions.runAudio(features), start * d);
    }
    l2NormalizeRows(out, d, (r) => `window ${r}`);
    return out;
  }

  /** Text embeddings, n × D row-major, each row unit-norm; tokenized with padding and truncation per batch. */
  async encodeText(texts: readonly string[]): Promise<Float32Array> {
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new InvalidInputError(`text ${i} is ${typeof t}, expected a string`);
    });
    const d = this.dimension;
    const out = new Float32Array(texts.length * d);
    for (let start = 0; start < texts.length; start += this.maxBatch) {
      const batch = texts.slice(start, start + this.maxBatch);
      out.set(await this.sessions.runText(this.tokenize(batch)), start * d);
    }
    l2NormalizeRows(out, d, (r) => `text ${r} (${JSON.stringify(texts[r])})`);
    return out;
  }

  /** Releases the sessions; later encode calls fail. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.sessions.close(), this.features.close()]);
  }

  private tokenize(texts: string[]): ClapTokens {
    const encoded = this.tokenizer(texts, { padding: true, truncation: true });
    const ids = encoded.input_ids;
    const mask = encoded.attention_mask;
    return {
      inputIds: ids.data as BigInt64Array,
      attentionMask: mask.data as BigInt64Array,
      shape: [ids.dims[0], ids.dims[1]],
    };
  }
}

/**
 * The directory `model` names, without loading it: the directory itself, or a hub id's copy in the model store
 * (`<cacheDir>/<owner>/<name>`), completed from the hub first when it lacks files of `dtype` and `allowNetwork`
 * is set (see `ClapEncoder.load`).
 */
export function clapModelDir(
  model: string,
  options: Pick<ClapLoadOptions, 'allowNetwork' | 'cacheDir' | 'dtype'> = {},
): Promise<string> {
  return resolveModelDir(model, {
    allowNetwork: options.allowNetwork ?? false,
    cacheDir: options.cacheDir,
    files: clapModelFiles(options.dtype ?? 'fp32'),
  });
}

/** The log-mel graph, or the reason it cannot run here (the encoder then computes features in JavaScript). */
async function openFeatureGraph(
  reference: ClapFeatureExtraction,
  provider: ExecutionProvider,
  intraOpThreads: number | undefined,
): Promise<LogMelGraphExtraction | string> {
  try {
    return await LogMelGraphExtraction.create(reference, { provider, intraOpThreads });
  } catch (e) {
    return `the log-mel graph could not be opened (${e instanceof Error ? e.message : String(e)})`;
  }
}

function checkOptions(
  options: ClapLoadOptions,
): Required<Pick<ClapLoadOptions, 'allowNetwork' | 'device' | 'dtype' | 'maxBatch' | 'features'>> {
  const device = options.device ?? 'auto';
  const dtype = options.dtype ?? 'fp32';
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  const features = options.features ?? 'auto';
  if (!['auto', 'graph', 'js'].includes(features))
    throw new InvalidInputError(`features must be 'auto', 'graph' or 'js', got ${JSON.stringify(features)}`);
  if (!['auto', 'cpu', 'cuda'].includes(device))
    throw new InvalidInputError(`device must be 'auto', 'cpu' or 'cuda', got ${JSON.stringify(device)}`);
  if (!CLAP_DTYPES.includes(dtype))
    throw new InvalidInputError(`dtype must be one of ${CLAP_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new InvalidInputError(`maxBatch must be a positive integer, got ${maxBatch}`);
  const threads = options.intraOpThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new InvalidInputError(`intraOpThreads must be a positive integer, got ${threads}`);
  return { allowNetwork: options.allowNetwork ?? false, device, dtype, maxBatch, features };
}

/** Checks every window before any work: kind, length (1 … windowSamples) and finiteness. */
function checkWindows(windows: readonly Float32Array[], windowSamples: number, sampleRate: number): void {
  windows.forEach((w, i) => {
    if (!(w instanceof Float32Array))
      throw new InvalidInputError(`window ${i} is ${kindOf(w)}, expected a Float32Array`);
    if (w.length === 0) throw new InvalidInputError(`window ${i} is empty`);
    if (w.length > windowSamples)
      throw new ShapeMismatchError(
        `window ${i} has ${w.length} samples, more than the model's window of ${windowSamples} ` +
          `(${windowSamples / sampleRate} s at ${sampleRate} Hz); split the audio into windows of at most ${windowSamples} samples`,
        [windowSamples],
        [w.length],
      );
    for (let j = 0; j < w.length; j++)
      if (!Number.isFinite(w[j]))
        throw new NonFiniteValueError(`window ${i} has ${w[j]} at sample ${j}; audio samples must be finite`, i, j);
  });
}

function kindOf(value: unknown): string {
  return value === null || value === undefined ? String(value) : (value.constructor?.name ?? typeof value);
}
