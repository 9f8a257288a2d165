import { Decomposer, decomposeRule } from '@audio-concepts/decomposer-service';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { EncodeRule, type WindowModel } from '@audio-concepts/encoder-stage';
import { windowAudio, windowMessage, type AudioStream } from '@audio-concepts/ingest-audio';
import { runInMemory } from '@audio-concepts/platform-stage';
import { limitAudio } from './audio.limit';
import type { AudioEmbedding, AudioWindow, ConceptFrame } from '@audio-concepts/shared-contracts';

export interface TagOptions {
  lambda: number;
  top: number;
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
  /** tag only the first this many seconds of audio */
  maxSeconds?: number;
  /** stop reading when aborted (Ctrl-C): the audio read so far is windowed and tagged, the last window cut short */
  signal?: AbortSignal;
}

/** The default `TagOptions.maxWaitMs`. */
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
 * The embedded pipeline behind `audio-concepts tag`: decode → window → encode → decompose in one process. The
 * windows become the same `AudioWindow` messages ingest publishes, and the encoder and decomposer rules the
 * services run over Kafka run here in memory (`runInMemory`), with the same checks and per-window errors: a window
 * that fails goes to `onFailed` and the run goes on. Frames come out in window order as soon as their batch is
 * decomposed (a batch waits at most `maxWaitMs` to fill, so a live stream is not held back), equal to the services'
 * frames for the same audio.
 */
export function tagAudio(
  audio: AudioStream,
  model: WindowModel,
  space: ConceptSpace,
  options: TagOptions,
  onFailed: (failed: FailedWindow) => void,
  stream = audio.uri,
): AsyncIterable<ConceptFrame> {
  const { sampleRate } = audio;
  const maxSamples = options.maxSeconds === undefined ? undefined : Math.round(options.maxSeconds * sampleRate);
  const chunks = limitAudio(audio, { maxSamples, signal: options.signal });
  const windows = (async function* () {
    const cut = windowAudio(withUri(chunks, audio.uri), { sampleRate, windowS: options.windowS, hopS: options.hopS });
    for await (const window of cut)
      yield windowMessage(window, { streamId: stream, sampleRate, ingestedAtMs: Date.now() });
  })();
  const failed = (input: AudioWindow | AudioEmbedding, error: Error, stage: string) =>
    onFailed({ stage, error, ...pick(input) });
  const batching = { maxBatch: options.batchSize, maxWaitMs: options.maxWaitMs ?? TAG_MAX_WAIT_MS, onError: failed };
  const embeddings = runInMemory(new EncodeRule(model), windows, batching);
  const decomposer = new Decomposer({ spaces: [space], lambda: options.lambda, topK: options.top });
  return runInMemory(decomposeRule(decomposer), embeddings, batching);
}

/** windowAudio names the stream by its `uri` in "no audio in …" */
function withUri(chunks: AsyncIterable<Float32Array>, uri: string): AsyncIterable<Float32Array> & { uri: string } {
  return { uri, [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator]() };
}

function pick({ streamId, windowSeq, startMs, durationMs }: AudioWindow | AudioEmbedding) {
  return { streamId, windowSeq, startMs, durationMs };
}
