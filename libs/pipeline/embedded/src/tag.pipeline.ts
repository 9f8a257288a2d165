import { Decomposer, decomposeRule, HeadBook } from '@audio-concepts/decomposer-service';
import type { ConceptSpace, ProjectionHead } from '@audio-concepts/decomposer-concepts';
import type { WindowModel } from '@audio-concepts/encoder-stage';
import type { AudioStream } from '@audio-concepts/ingest-audio';
import { runInMemory } from '@audio-concepts/platform-stage';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';
import { embedAudio, stageBatching, type EmbedOptions, type FailedWindow } from './embed.pipeline';

export { TAG_MAX_WAIT_MS, type FailedWindow } from './embed.pipeline';

export interface TagOptions extends EmbedOptions {
  lambda: number;
  /** at most this many concepts per window, λ raised as far as each window needs (frames carry that λ) */
  maxConcepts?: number;
  /** a projection head every window goes through (H·L2(e), the head's m_a); frames carry its id */
  head?: ProjectionHead;
}

/**
 * The embedded pipeline behind `audio-concepts tag`: decode → window → encode (`embedAudio`) → decompose in one
 * process. The windows become the same `AudioWindow` messages ingest publishes, and the encoder and decomposer
 * rules the services run over Kafka run here in memory (`runInMemory`), with the same checks and per-window errors:
 * a window that fails goes to `onFailed` and the run goes on. Frames come out in window order as soon as their
 * batch is decomposed (a batch waits at most `maxWaitMs` to fill, so a live stream is not held back), equal to the
 * services' frames for the same audio: every non-zero concept, largest first (how many to show is the caller's).
 * With a head, every window goes through it as the decomposer's live head (the services' code path).
 */
export function tagAudio(
  audio: AudioStream,
  model: WindowModel,
  space: ConceptSpace,
  options: TagOptions,
  onFailed: (failed: FailedWindow) => void,
  stream = audio.uri,
): AsyncIterable<ConceptFrame> {
  const embeddings = embedAudio(audio, model, options, onFailed, stream);
  const heads = new HeadBook(space);
  if (options.head) heads.activate('default', heads.add(options.head).id);
  const decomposer = new Decomposer({ spaces: [space], lambda: options.lambda, maxConcepts: options.maxConcepts, heads });
  return runInMemory(decomposeRule(decomposer), embeddings, stageBatching(options, onFailed));
}
