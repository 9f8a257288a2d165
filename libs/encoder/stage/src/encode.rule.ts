import type { ClapEncoder } from '@audio-concepts/encoder-clap';
import { asError, isRetriable, type StageRule } from '@audio-concepts/platform-stage';
import {
  audioEmbeddingWith,
  DEFAULT_WIRE_FORMAT,
  pcmOf,
  type AudioEmbedding,
  type AudioWindow,
  type WireFormat,
} from '@audio-concepts/shared-contracts';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';

/** What the encoder rule needs of a loaded CLAP model. */
export type WindowModel = Pick<ClapEncoder, 'encodeAudio' | 'dimension' | 'modelId' | 'sampleRate' | 'windowSamples'>;

/** Told after each model call: how many windows it encoded and how long it took (the service's metrics). */
export type EncodeObserver = (windows: number, seconds: number) => void;

export interface EncodeRuleOptions {
  /** how the embeddings' vectors are written (default v2) */
  wireFormat?: WireFormat;
  observe?: EncodeObserver;
}

/** durationMs may differ from the PCM's own duration by rounding: this much, or 1 % of it. */
const DURATION_TOLERANCE_MS = 2;

/**
 * The window's samples when a model of `sampleRate` and `windowSamples` can encode it, or the Error saying why not:
 * a stream id, PCM at the model's rate, 1 … windowSamples finite samples, and a duration that matches them.
 */
export function checkWindow(
  window: AudioWindow,
  model: Pick<WindowModel, 'sampleRate' | 'windowSamples'>,
): Float32Array | Error {
  const name = `window ${JSON.stringify(window.streamId)}/${window.windowSeq}`;
  if (window.streamId === '') return new InvalidInputError(`window ${window.windowSeq} has no stream id`);
  let pcm: Float32Array;
  try {
    pcm = pcmOf(window);
  } catch (error) {
    return asError(error);
  }
  const n = pcm.length;
  if (window.sampleRate !== model.sampleRate)
    return new InvalidInputError(
      `${name} has sample rate ${window.sampleRate} Hz, expected ${model.sampleRate} Hz (the model's)`,
    );
  if (n === 0) return new InvalidInputError(`${name} has no PCM samples`);
  if (n > model.windowSamples)
    return new ShapeMismatchError(
      `${name} has ${n} samples, more than the model's window of ${model.windowSamples}`,
      [model.windowSamples],
      [n],
    );
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(pcm[i]))
      return new NonFiniteValueError(`${name} has ${pcm[i]} at sample ${i}; audio samples must be finite`, 0, i);
  const expectedMs = (n * 1000) / window.sampleRate;
  if (Math.abs(window.durationMs - expectedMs) > Math.max(DURATION_TOLERANCE_MS, expectedMs / 100))
    return new InvalidInputError(
      `${name} says durationMs ${window.durationMs}, but its ${n} samples at ${window.sampleRate} Hz last ` +
        `${expectedMs.toFixed(1)} ms`,
    );
  return pcm;
}

/**
 * The encoder stage's rule (windows → embeddings), run by `tag` in memory and by the encoder service over Kafka.
 * Each window is checked once (`checkWindow`) and its samples go to the model as they came (a view of the message's
 * bytes for v2). A window that fails the check gets its error alone; the valid ones go to the model in one call. If
 * that call fails, each window is tried on its own, so that one bad window does not fail its batch with it. An
 * embedding carries the window's identity and timing, the model id and the unit-norm vector.
 */
export class EncodeRule implements StageRule<AudioWindow, AudioEmbedding> {
  readonly name = 'encoder';
  private readonly wireFormat: WireFormat;

  constructor(
    private readonly model: WindowModel,
    private readonly options: EncodeRuleOptions = {},
  ) {
    this.wireFormat = options.wireFormat ?? DEFAULT_WIRE_FORMAT;
  }

  keyOf(window: AudioWindow): string {
    return window.streamId;
  }

  seqOf(window: AudioWindow): number {
    return window.windowSeq;
  }

  async process(windows: readonly AudioWindow[]): Promise<Array<AudioEmbedding | Error>> {
    const results: Array<AudioEmbedding | Error> = new Array(windows.length);
    const valid: { index: number; pcm: Float32Array }[] = [];
    windows.forEach((window, index) => {
      const checked = checkWindow(window, this.model);
      if (checked instanceof Error) results[index] = checked;
      else valid.push({ index, pcm: checked });
    });
    if (valid.length === 0) return results;
    try {
      await this.encodeInto(results, windows, valid);
    } catch (batchError) {
      if (isRetriable(batchError)) throw batchError; // the runner redoes the batch
      if (valid.length === 1) {
        results[valid[0].index] = asError(batchError);
        return results;
      }
      for (const one of valid) {
        try {
          await this.encodeInto(results, windows, [one]);
        } catch (error) {
          if (isRetriable(error)) throw error;
          results[one.index] = asError(error);
        }
      }
    }
    return results;
  }

  private async encodeInto(
    results: Array<AudioEmbedding | Error>,
    windows: readonly AudioWindow[],
    items: readonly { index: number; pcm: Float32Array }[],
  ): Promise<void> {
    const d = this.model.dimension;
    const started = performance.now();
    const vectorsNxD = await this.model.encodeAudio(items.map((item) => item.pcm));
    this.options.observe?.(items.length, (performance.now() - started) / 1000);
    items.forEach(({ index }, row) => {
      const { streamId, windowSeq, startMs, durationMs, ingestedAtMs } = windows[index];
      const fields = { streamId, windowSeq, startMs, durationMs, modelId: this.model.modelId, ingestedAtMs };
      results[index] = audioEmbeddingWith(fields, vectorsNxD.subarray(row * d, (row + 1) * d), this.wireFormat);
    });
  }
}
