import type { ClapEncoder } from '@audio-concepts/encoder-clap';
import type { AudioEmbedding, AudioWindow } from '@audio-concepts/shared-contracts';
import { InvalidInputError, NonFiniteValueError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { isRetriable } from '@audio-concepts/platform-kafka';
import type { EncoderMetrics } from './encoder.metrics';

/** What the window encoder needs of a loaded CLAP model. */
export type WindowModel = Pick<ClapEncoder, 'encodeAudio' | 'dimension' | 'modelId' | 'sampleRate' | 'windowSamples'>;

/** durationMs may differ from the PCM's own duration by rounding: this much, or 1 % of it. */
const DURATION_TOLERANCE_MS = 2;

/**
 * Why `window` cannot be encoded by a model of `sampleRate` and `windowSamples`, or undefined when it can: a
 * stream id, PCM at the model's rate, 1 … windowSamples finite samples, and a duration that matches them.
 */
export function checkWindow(
  window: AudioWindow,
  model: Pick<WindowModel, 'sampleRate' | 'windowSamples'>,
): Error | undefined {
  const name = `window ${JSON.stringify(window.streamId)}/${window.windowSeq}`;
  const n = window.pcm.length;
  if (window.streamId === '') return new InvalidInputError(`window ${window.windowSeq} has no stream id`);
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
    if (!Number.isFinite(window.pcm[i]))
      return new NonFiniteValueError(`${name} has ${window.pcm[i]} at sample ${i}; audio samples must be finite`, 0, i);
  const expectedMs = (n * 1000) / window.sampleRate;
  if (Math.abs(window.durationMs - expectedMs) > Math.max(DURATION_TOLERANCE_MS, expectedMs / 100))
    return new InvalidInputError(
      `${name} says durationMs ${window.durationMs}, but its ${n} samples at ${window.sampleRate} Hz last ` +
        `${expectedMs.toFixed(1)} ms`,
    );
  return undefined;
}

/** The embedding message of `window`: its identity and timing, the model, the unit-norm vector. */
export function toEmbedding(window: AudioWindow, vectorD: Float32Array, modelId: string): AudioEmbedding {
  return {
    streamId: window.streamId,
    windowSeq: window.windowSeq,
    startMs: window.startMs,
    durationMs: window.durationMs,
    modelId,
    vector: Array.from(vectorD),
    ingestedAtMs: window.ingestedAtMs,
  };
}

/**
 * Windows → embeddings for the Kafka stage: one result per window, in order. A window that fails `checkWindow`
 * gets its error alone; the valid ones go to the model in one call. If that call fails, each window is tried on
 * its own, so that one bad window does not take its batch to the dead-letter topic with it.
 */
export class WindowEncoder {
  constructor(
    private readonly model: WindowModel,
    private readonly metrics?: EncoderMetrics,
  ) {}

  async encode(windows: readonly AudioWindow[]): Promise<Array<AudioEmbedding | Error>> {
    const results: Array<AudioEmbedding | Error> = new Array(windows.length);
    const valid: number[] = [];
    windows.forEach((window, i) => {
      const problem = checkWindow(window, this.model);
      if (problem) results[i] = problem;
      else valid.push(i);
    });
    if (valid.length === 0) return results;
    try {
      await this.encodeInto(results, windows, valid);
    } catch (batchError) {
      if (isRetriable(batchError)) throw batchError; // the stage redoes the batch
      if (valid.length === 1) {
        results[valid[0]] = asError(batchError);
        return results;
      }
      for (const i of valid) {
        try {
          await this.encodeInto(results, windows, [i]);
        } catch (error) {
          if (isRetriable(error)) throw error;
          results[i] = asError(error);
        }
      }
    }
    return results;
  }

  private async encodeInto(
    results: Array<AudioEmbedding | Error>,
    windows: readonly AudioWindow[],
    indices: readonly number[],
  ): Promise<void> {
    const d = this.model.dimension;
    const end = this.metrics?.encodeDuration.startTimer();
    const vectorsNxD = await this.model.encodeAudio(indices.map((i) => Float32Array.from(windows[i].pcm)));
    end?.();
    this.metrics?.windowsEncoded.inc(indices.length);
    indices.forEach((i, row) => {
      results[i] = toEmbedding(windows[i], vectorsNxD.subarray(row * d, (row + 1) * d), this.model.modelId);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
