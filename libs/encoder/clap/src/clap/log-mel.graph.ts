import { OnnxElemType, OnnxGraph } from '@audio-concepts/shared-onnx-builder';

/** What the log-mel graph computes: CLAP's features of full-length windows (DESIGN §2). */
export interface LogMelGraphSpec {
  /** samples in one (padded) window, e.g. 480000 */
  windowSamples: number;
  /** frame and FFT length, e.g. 1024 */
  frameLength: number;
  hopLength: number;
  /** the analysis window, frameLength values (transformers.js' periodic Hann) */
  window: ArrayLike<number>;
  /** the mel filter bank, mels × (frameLength / 2 + 1) (transformers.js' Slaney bank) */
  melFilters: readonly ArrayLike<number>[];
  /** power floor before the log (transformers.js' mel_floor and min_value, 1e-10) */
  floor?: number;
}

export const LOG_MEL_INPUT = 'pcm';
export const LOG_MEL_OUTPUT = 'input_features';

/**
 * An ONNX graph with transformers.js' `spectrogram(…, {power: 2, log_mel: 'dB'})` as ClapFeatureExtractor calls
 * it: PCM [n, windowSamples] float32 → features [n, 1, frames, mels] float32.
 *
 * Reflect-pad by frameLength/2 on both sides (center = true), STFT (framing, window, one-sided DFT) and power in
 * float64, as transformers.js' FFT runs; the power is rounded to float32 as transformers.js stores it, then the
 * mel filter bank as a float32 MatMul (transformers.js runs that one on onnxruntime too), the floor, and
 * 10·log10. Padding a short window (repeatpad) stays outside, in `padWindow`.
 */
export function buildLogMelGraph(spec: LogMelGraphSpec): Uint8Array {
  const { windowSamples, frameLength, hopLength, melFilters } = spec;
  const bins = Math.floor(frameLength / 2) + 1;
  const mels = melFilters.length;
  const half = Math.floor(frameLength / 2);
  const frames = 1 + Math.floor((windowSamples + 2 * half - frameLength) / hopLength);
  if (spec.window.length !== frameLength)
    throw new RangeError(`log-mel graph: the window has ${spec.window.length} values, the frame ${frameLength}`);
  const melT = new Float32Array(bins * mels);
  melFilters.forEach((filter, m) => {
    if (filter.length !== bins)
      throw new RangeError(`log-mel graph: mel filter ${m} has ${filter.length} bins, expected ${bins}`);
    for (let k = 0; k < bins; k++) melT[k * mels + m] = filter[k];
  });

  const g = new OnnxGraph('clap_log_mel');
  const pcm = g.input(LOG_MEL_INPUT, OnnxElemType.FLOAT, ['n', windowSamples]);
  const wide = g.op('Cast', [pcm], { to: OnnxElemType.DOUBLE });
  const padded = g.op('Pad', [wide, g.int64('pads', [0, half, 0, half])], { mode: 'reflect' });
  const signal = g.op('Unsqueeze', [padded, g.int64('signal_axes', [2])]);
  const stft = g.op(
    'STFT',
    [signal, g.int64('frame_step', [hopLength], []), g.float64('window', spec.window, [frameLength])],
    { onesided: 1 },
  ); // [n, frames, bins, 2]
  const power = g.op('ReduceSum', [g.op('Mul', [stft, stft]), g.int64('complex_axis', [3])], { keepdims: 0 });
  const mel = g.op('MatMul', [
    g.op('Cast', [power], { to: OnnxElemType.FLOAT }),
    g.constant('mel_filters', melT, [bins, mels]),
  ]);
  const floored = g.op('Max', [mel, g.constant('floor', [spec.floor ?? 1e-10], [])]);
  const db = g.op('Mul', [g.op('Log', [floored]), g.constant('db_per_neper', [10 / Math.LN10], [])]);
  g.output(g.op('Unsqueeze', [db, g.int64('channel_axis', [1])]), LOG_MEL_OUTPUT, OnnxElemType.FLOAT, [
    'n',
    1,
    frames,
    mels,
  ]);
  return g.encode();
}
