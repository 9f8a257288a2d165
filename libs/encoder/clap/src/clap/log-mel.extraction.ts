import * as ort from 'onnxruntime-node';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import type { ExecutionProvider } from '../execution-provider';
import {
  padWindow,
  type ClapFeatureExtraction,
  type ClapFeatures,
  type ClapPreprocessorConfig,
  type FeatureExtraction,
} from './feature-extraction';
import { LOG_MEL_INPUT, LOG_MEL_OUTPUT, buildLogMelGraph } from './log-mel.graph';

/**
 * CLAP's log-mel features computed by onnxruntime (`buildLogMelGraph`) on the provider the audio tower got, a batch
 * per run, instead of window by window in JavaScript. The window and mel filter bank are transformers.js' own, so
 * the features are those of `ClapFeatureExtraction` (the specs hold them to 1e-4).
 */
export class LogMelGraphExtraction implements FeatureExtraction {
  readonly path = 'graph';
  private closed = false;

  private constructor(
    private readonly config: ClapPreprocessorConfig,
    private readonly session: ort.InferenceSession,
    private readonly frames: number,
  ) {}

  /**
   * The graph of `reference`'s settings, window and mel filter bank, opened on `provider` (and the CPU for what it
   * cannot run).
   */
  static async create(
    reference: ClapFeatureExtraction,
    options: { provider: ExecutionProvider; intraOpThreads?: number; spectrum?: 'stft' | 'matmul' },
  ): Promise<LogMelGraphExtraction> {
    const { config } = reference;
    const frameLength = Number(config['fft_window_size']);
    const bins = Math.floor(frameLength / 2) + 1;
    if (config['nb_frequency_bins'] !== bins)
      throw new AudioConceptsError(
        `log-mel graph: nb_frequency_bins ${String(config['nb_frequency_bins'])} is not fft_window_size / 2 + 1 = ${bins}`,
      );
    const { window, melFilters } = reference.analysis;
    const { model, frames } = buildLogMelGraph({
      windowSamples: config.nb_max_samples,
      frameLength,
      hopLength: config.hop_length,
      window,
      melFilters,
      // A float64 GEMM, which a GPU runs (its provider has no STFT op) and the CPU spreads over its threads;
      // onnxruntime's FFT (STFT) runs on one thread and wins only there (bench:encoder, README "Encoder speed").
      spectrum: options.spectrum ?? (options.provider === 'cpu' && options.intraOpThreads === 1 ? 'stft' : 'matmul'),
    });
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: options.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
      graphOptimizationLevel: 'all',
    };
    if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
    const session = await ort.InferenceSession.create(model, sessionOptions);
    return new LogMelGraphExtraction(config, session, frames);
  }

  get sampleRate(): number {
    return this.config.sampling_rate;
  }

  get windowSamples(): number {
    return this.config.nb_max_samples;
  }

  /** Features of each window (≤ windowSamples samples, checked by the caller), each padded on its own. */
  async extract(windows: readonly Float32Array[]): Promise<ClapFeatures> {
    if (this.closed) throw new AudioConceptsError('the log-mel graph has been closed');
    const n = windows.length;
    const mels = this.config.feature_size;
    if (n === 0) return { data: new Float32Array(0), shape: [0, 1, this.frames, mels] };
    const samples = this.windowSamples;
    const pcm = new Float32Array(n * samples);
    windows.forEach((w, i) => pcm.set(padWindow(w, samples, this.config.padding), i * samples));
    const out = (await this.session.run({ [LOG_MEL_INPUT]: new ort.Tensor('float32', pcm, [n, samples]) }))[
      LOG_MEL_OUTPUT
    ];
    const [rows, channels, frames, bands] = out.dims;
    if (rows !== n || channels !== 1 || frames !== this.frames || bands !== mels)
      throw new AudioConceptsError(
        `the log-mel graph returned [${out.dims.join(', ')}], expected [${n}, 1, ${this.frames}, ${mels}]`,
      );
    return { data: out.data as Float32Array, shape: [n, 1, frames, bands] };
  }

  /** Releases the session; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
