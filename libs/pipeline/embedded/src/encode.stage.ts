import type { AudioWindow } from '@audio-concepts/ingest-audio';
import type { ClapEncoder } from '@audio-concepts/encoder-clap';

/** A batch of windows and their audio embeddings (n×D, L2-normalized rows). */
export interface EncodedBatch {
  windows: AudioWindow[];
  embeddings: Float32Array;
}

/**
 * Encoder stage: groups windows into batches of up to `batchSize` (the last one may be smaller) and runs
 * the CLAP audio tower on each. Windows keep their order.
 */
export async function* encodeWindows(
  windows: AsyncIterable<AudioWindow>,
  encoder: Pick<ClapEncoder, 'encodeAudio'>,
  batchSize: number,
): AsyncIterable<EncodedBatch> {
  let batch: AudioWindow[] = [];
  for await (const window of windows) {
    batch.push(window);
    if (batch.length >= batchSize) {
      yield { windows: batch, embeddings: await encoder.encodeAudio(batch.map((w) => w.samples)) };
      batch = [];
    }
  }
  if (batch.length > 0) yield { windows: batch, embeddings: await encoder.encodeAudio(batch.map((w) => w.samples)) };
}
