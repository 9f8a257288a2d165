import { Decomposer, decomposeRule } from '@audio-concepts/decomposer-service';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { EncodeRule, type WindowModel } from '@audio-concepts/encoder-stage';
import { windowAudio, windowMessage, type AudioStream } from '@audio-concepts/ingest-audio';
import { runInMemory } from '@audio-concepts/platform-stage';
import type { AudioEmbedding, AudioWindow, ConceptFrame } from '@audio-concepts/shared-contracts';

export interface TagOptions {
  lambda: number;
  top: number;
  /** window length and hop, seconds (CLAP's window is 10 s) */
  windowS: number;
  hopS: number;
  /** windows per encoder batch (the encoder service's micro-batch) */
  batchSize: number;
}

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
 * decomposed, equal to the services' frames for the same audio.
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
  const windows = (async function* () {
    for await (const window of windowAudio(audio, { sampleRate, windowS: options.windowS, hopS: options.hopS }))
      yield windowMessage(window, { streamId: stream, sampleRate, ingestedAtMs: Date.now() });
  })();
  const failed = (input: AudioWindow | AudioEmbedding, error: Error, stage: string) =>
    onFailed({ stage, error, ...pick(input) });
  const embeddings = runInMemory(new EncodeRule(model), windows, { maxBatch: options.batchSize, onError: failed });
  const decomposer = new Decomposer({ spaces: [space], lambda: options.lambda, topK: options.top });
  return runInMemory(decomposeRule(decomposer), embeddings, { maxBatch: options.batchSize, onError: failed });
}

function pick({ streamId, windowSeq, startMs, durationMs }: AudioWindow | AudioEmbedding) {
  return { streamId, windowSeq, startMs, durationMs };
}
