import { windowAudio, type AudioStream } from '@audio-concepts/ingest-audio';
import type { ClapEncoder } from '@audio-concepts/encoder-clap';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import type { ConceptFrame } from './concept-frame';
import { decomposeBatches } from './decompose.stage';
import { encodeWindows } from './encode.stage';

export interface TagOptions {
  lambda: number;
  top: number;
  /** window length and hop, seconds (CLAP's window is 10 s) */
  windowS: number;
  hopS: number;
  /** windows per encoder batch */
  batchSize: number;
}

/**
 * The embedded pipeline behind `audio-concepts tag`: decode → window → encode → decompose in one process,
 * the same stage code the services run over Kafka. Frames come out in window order as soon as their batch
 * is decomposed.
 */
export function tagAudio(
  audio: AudioStream,
  encoder: Pick<ClapEncoder, 'encodeAudio'>,
  space: ConceptSpace,
  options: TagOptions,
  stream = audio.uri,
): AsyncIterable<ConceptFrame> {
  const windows = windowAudio(audio, { sampleRate: audio.sampleRate, windowS: options.windowS, hopS: options.hopS });
  return decomposeBatches(encodeWindows(windows, encoder, options.batchSize), space, stream, options);
}
