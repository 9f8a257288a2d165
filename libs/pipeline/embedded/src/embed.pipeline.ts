import { EncodeRule, type WindowModel } from '@audio-concepts/encoder-stage';
import { windowAudio, windowMessage, type AudioStream } from '@audio-concepts/ingest-audio';
import { runInMemory } from '@audio-concepts/platform-stage';
import type { AudioEmbedding, AudioWindow } from '@audio-concepts/shared-contracts';
import { limitAudio } from './audio.limit';

/** How `embedAudio` cuts and batches the audio (what `tag` does before it decomposes). */
export interface EmbedOptions {
  /** window length and hop, seconds (CLAP's window is 10 s) */
  windowS: number;
  hopS: number;
  /** windows per encoder batch (the encoder service's micro-batch) */
  batchSize: number;
  /**
   * How long a batch waits for more windows before it is encoded as it is (default 100 ms): a file fills whole
   * batches, a live stream's windows are tagged as each one is complete.
   */
  maxWaitMs?: number;
  /** only the first this many seconds of audio */
  maxSeconds?: number;
  /** stop reading when aborted (Ctrl-C): the audio read so far is windowed and encoded, the last window cut short */
  signal?: AbortSignal;
}

/** The default `EmbedOptions.maxWaitMs`. */
export const TAG_MAX_WAIT_MS = 100;

/** A window that a stage could not process: the run goes on without it, as the services dead-letter it. */
export interface FailedWindow {
  stage: string;
  streamId: string;
  windowSeq: number;
  startMs: number;
  durationMs: number;
  error: Error;
}

/**
 * Decode → window → encode, the first half of `tagAudio` (and what `audio-concepts embed` writes out): the windows
 * become the same `AudioWindow` messages ingest publishes and go through the encoder service's rule in memory, a
 * window that fails going to `onFailed`. Embeddings come out in window order.
 */
export function embedAudio(
  audio: AudioStream,
  model: WindowModel,
  options: EmbedOptions,
  onFailed: (failed: FailedWindow) => void,
  stream = audio.uri,
): AsyncIterable<AudioEmbedding> {
  return runInMemory(new EncodeRule(model), audioWindows(audio, options, stream), stageBatching(options, onFailed));
}

/** The micro-batching of both in-memory stages; a failed item goes to `onFailed`, named by its window. */
export function stageBatching(options: EmbedOptions, onFailed: (failed: FailedWindow) => void) {
  const onError = (input: AudioWindow | AudioEmbedding, error: Error, stage: string) =>
    onFailed({ stage, error, ...pick(input) });
  return { maxBatch: options.batchSize, maxWaitMs: options.maxWaitMs ?? TAG_MAX_WAIT_MS, onError };
}

async function* audioWindows(audio: AudioStream, options: EmbedOptions, stream: string): AsyncIterable<AudioWindow> {
  const { sampleRate } = audio;
  const maxSamples = options.maxSeconds === undefined ? undefined : Math.round(options.maxSeconds * sampleRate);
  const chunks = limitAudio(audio, { maxSamples, signal: options.signal });
  const cut = windowAudio(withUri(chunks, audio.uri), { sampleRate, windowS: options.windowS, hopS: options.hopS });
  for await (const window of cut)
    yield windowMessage(window, { streamId: stream, sampleRate, ingestedAtMs: Date.now() });
}

/** windowAudio names the stream by its `uri` in "no audio in …" */
function withUri(chunks: AsyncIterable<Float32Array>, uri: string): AsyncIterable<Float32Array> & { uri: string } {
  return { uri, [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator]() };
}

function pick({ streamId, windowSeq, startMs, durationMs }: AudioWindow | AudioEmbedding) {
  return { streamId, windowSeq, startMs, durationMs };
}
