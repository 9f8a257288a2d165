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
  /**
   * How the spectrum is taken: 'stft' (default), onnxruntime's STFT op, an FFT on one CPU thread; 'matmul', the
   * frames (cut by Slice and Concat) times a float64 DFT basis, a GEMM that a GPU runs (onnxruntime's CUDA provider
   * has no STFT op, so 'stft' would run on the CPU there) and that the CPU spreads over its threads.
   */
  spectrum?: 'stft' | 'matmul';
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
export function buildLogMelGraph(spec: LogMelGraphSpec): { model: Uint8Array; frames: number } {
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
  // reflect-padded by half a frame on both sides; the matmul way pads the right further, to whole hops (see there)
  const right = spec.spectrum === 'matmul' ? matmulRightPad(spec, frames) : half;
  const padded = g.op('Pad', [wide, g.int64('pads', [0, half, 0, right])], { mode: 'reflect' });
  const power =
    spec.spectrum === 'matmul' ? powerByMatMul(g, padded, spec, frames, bins) : powerByStft(g, padded, spec); // [n, frames, bins], float64
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
  return { model: g.encode(), frames };
}

function powerByStft(g: OnnxGraph, padded: string, spec: LogMelGraphSpec): string {
  const signal = g.op('Unsqueeze', [padded, g.int64('signal_axes', [2])]);
  const stft = g.op(
    'STFT',
    [signal, g.int64('frame_step', [spec.hopLength], []), g.float64('window', spec.window, [spec.frameLength])],
    { onesided: 1 },
  ); // [n, frames, bins, 2]
  return g.op('ReduceSum', [g.op('Mul', [stft, stft]), g.int64('complex_axis', [3])], { keepdims: 0 });
}

/** Hops the matmul way reshapes the signal into: enough for every frame to be whole blocks and a part of one. */
function hopBlocks(spec: LogMelGraphSpec, frames: number): number {
  return frames - 1 + Math.ceil(spec.frameLength / spec.hopLength);
}

function matmulRightPad(spec: LogMelGraphSpec, frames: number): number {
  const half = Math.floor(spec.frameLength / 2);
  // The samples past the last frame's end are never read: their values (reflected here too) do not matter.
  return hopBlocks(spec, frames) * spec.hopLength - spec.windowSamples - half;
}

/**
 * Frame f is samples [f·hop, f·hop + frameLength) of the padded signal: with the signal reshaped into rows of one
 * hop, that is rows f, f+1, … side by side, the last one cut short. Then frames × (window-weighted cos | −sin)
 * basis, and re² + im².
 */
function powerByMatMul(g: OnnxGraph, padded: string, spec: LogMelGraphSpec, frames: number, bins: number): string {
  const { frameLength, hopLength } = spec;
  const blocks = g.op('Reshape', [padded, g.int64('hop_rows_shape', [0, hopBlocks(spec, frames), hopLength])]);
  const parts: string[] = [];
  for (let k = 0, taken = 0; taken < frameLength; k++, taken += hopLength) {
    const rows = g.op('Slice', [
      blocks,
      g.int64(`rows_${k}_from`, [k]),
      g.int64(`rows_${k}_to`, [k + frames]),
      g.int64(`rows_${k}_axis`, [1]),
    ]);
    const width = Math.min(hopLength, frameLength - taken);
    parts.push(
      width === hopLength
        ? rows
        : g.op('Slice', [
            rows,
            g.int64(`cols_${k}_from`, [0]),
            g.int64(`cols_${k}_to`, [width]),
            g.int64(`cols_${k}_axis`, [2]),
          ]),
    );
  }
  const framed = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 2 }); // [n, frames, frameLength]
  const basis = new Float64Array(frameLength * 2 * bins);
  for (let t = 0; t < frameLength; t++)
    for (let k = 0; k < bins; k++) {
      const angle = (2 * Math.PI * ((k * t) % frameLength)) / frameLength;
      basis[t * 2 * bins + k] = spec.window[t] * Math.cos(angle);
      basis[t * 2 * bins + bins + k] = -spec.window[t] * Math.sin(angle);
    }
  const spectrum = g.op('MatMul', [framed, g.float64('dft_basis', basis, [frameLength, 2 * bins])]); // [n, frames, 2·bins]
  const squared = g.op('Mul', [spectrum, spectrum]);
  const part = (name: string, from: number) =>
    g.op('Slice', [
      squared,
      g.int64(`${name}_from`, [from]),
      g.int64(`${name}_to`, [from + bins]),
      g.int64(`${name}_axis`, [2]),
    ]);
  return g.op('Add', [part('re', 0), part('im', bins)]);
}
