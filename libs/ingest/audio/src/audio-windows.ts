import { InvalidInputError } from '@audio-concepts/shared-errors';
import { AudioDecodeError } from './audio-decode.error';

/** One analysis window of a mono stream. */
export interface AudioWindow {
  /** 0, 1, 2, … in stream order. */
  seq: number;
  /** Index of the window's first sample in the stream: `seq · hop`. */
  startSample: number;
  startS: number;
  /** `startS` plus the window's real length: shorter than a full window only for the tail. */
  endS: number;
  /**
   * The window's real samples: windowSamples long, shorter only for the final tail or a clip shorter than a
   * window (the CLAP feature extractor repeat-pads it). A buffer of its own, safe to keep.
   */
  samples: Float32Array;
}

export interface WindowAudioOptions {
  sampleRate: number;
  /** Window length in seconds; default 10 (CLAP's). */
  windowS?: number;
  /** Distance between window starts in seconds; default `windowS` (no overlap). Larger than `windowS` leaves gaps. */
  hopS?: number;
  /**
   * A tail window (the last, cut short by the end of the stream) shorter than this many seconds is dropped: a
   * window of a few milliseconds, repeat-padded to 10 s, would be tagged as confidently as a real one. A clip
   * shorter than this is still one window. Default `MIN_TAIL_S` (1 s).
   */
  minTailS?: number;
}

const DEFAULT_WINDOW_S = 10;
/** The default `minTailS`: the shortest tail window kept, in seconds. */
export const MIN_TAIL_S = 1;

function samplesOf(name: string, seconds: number, sampleRate: number): number {
  const samples = Math.round(seconds * sampleRate);
  if (!Number.isFinite(seconds) || seconds <= 0 || samples < 1) {
    throw new InvalidInputError(
      `windowAudio: ${name} must be a positive number of seconds of at least one sample at ${sampleRate} Hz, got ${seconds}`,
    );
  }
  return samples;
}

/**
 * Cuts a stream of mono chunks (of any sizes) into windows starting at k·hop. Window k is emitted while
 * k·hop < the stream's length, except that windowing stops once a window has reached the end: 35 s with
 * 10 s windows gives 0–10, 10–20, 20–30 and the 5 s tail 30–35; with a 5 s hop, 0–10, 5–15, …, 25–35 and no
 * 30–35; a tail shorter than `minTailS` (1 s) is dropped, unless it is the only window. Memory is one window's worth of samples, however long the stream. A stream with no samples at all is
 * an `AudioDecodeError` ("no audio"). The options are checked at once, before any iteration.
 */
export function windowAudio(
  chunks: AsyncIterable<Float32Array>,
  options: WindowAudioOptions,
): AsyncIterable<AudioWindow> {
  const { sampleRate } = options;
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new InvalidInputError(`windowAudio: sampleRate must be a positive number of Hz, got ${sampleRate}`);
  }
  const windowS = options.windowS ?? DEFAULT_WINDOW_S;
  const windowSamples = samplesOf('windowS', windowS, sampleRate);
  const hopSamples = samplesOf('hopS', options.hopS ?? windowS, sampleRate);
  const minTailS = options.minTailS ?? MIN_TAIL_S;
  if (!Number.isFinite(minTailS) || minTailS < 0)
    throw new InvalidInputError(`windowAudio: minTailS must be a number of seconds ≥ 0, got ${minTailS}`);
  const minTailSamples = Math.round(minTailS * sampleRate);
  const uri = (chunks as { uri?: unknown }).uri;
  const label = typeof uri === 'string' ? uri : 'the audio stream';
  return {
    [Symbol.asyncIterator]: () => windows(chunks, sampleRate, windowSamples, hopSamples, minTailSamples, label),
  };
}

async function* windows(
  chunks: AsyncIterable<Float32Array>,
  sampleRate: number,
  windowSamples: number,
  hopSamples: number,
  minTailSamples: number,
  label: string,
): AsyncGenerator<AudioWindow> {
  // `buffer[0, filled)` holds the samples of window `seq` read so far, from its start sample on.
  const buffer = new Float32Array(windowSamples);
  let filled = 0;
  let seq = 0;
  /** Samples still to drop before window `seq` starts (hop > window leaves a gap between windows). */
  let skip = 0;
  let total = 0;
  const emit = (length: number): AudioWindow => {
    const startSample = seq * hopSamples;
    return {
      seq,
      startSample,
      startS: startSample / sampleRate,
      endS: (startSample + length) / sampleRate,
      samples: buffer.slice(0, length),
    };
  };

  for await (const chunk of chunks) {
    total += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.length - offset);
        skip -= dropped;
        offset += dropped;
        continue;
      }
      const n = Math.min(windowSamples - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled < windowSamples) continue;
      yield emit(windowSamples);
      seq += 1;
      if (hopSamples < windowSamples) {
        // Overlap: the next window starts `hop` samples in, so keep the last `window − hop` samples.
        buffer.copyWithin(0, hopSamples, windowSamples);
        filled = windowSamples - hopSamples;
      } else {
        filled = 0;
        skip = hopSamples - windowSamples;
      }
    }
  }

  if (total === 0) throw new AudioDecodeError(`no audio in ${label}`, { uri: label });
  // The tail: window `seq` has started (it holds samples) and the previous window did not reach the end.
  const previousReachedEnd = seq > 0 && (seq - 1) * hopSamples + windowSamples >= total;
  const tooShort = seq > 0 && filled < minTailSamples;
  if (filled > 0 && seq * hopSamples < total && !previousReachedEnd && !tooShort) yield emit(filled);
}
