import { CLAP_SAMPLE_RATE } from '@audio-concepts/ingest-audio';
import { AudioLimitError } from './ingest.errors';
import type { IngestMetrics } from './ingest.metrics';
import type { FeedOptions } from './stream-ingest.service';

/**
 * A feed's input: counts its samples (the feed's duration), ends it with an `AudioLimitError` past `maxDurationS`
 * and stops when the feed's signal aborts.
 */
export class CountedChunks implements AsyncIterable<Float32Array> {
  samples = 0;
  /** What `windowAudio` names in its "no audio in …" message. */
  readonly uri: string;

  constructor(
    private readonly chunks: AsyncIterable<Float32Array>,
    private readonly options: FeedOptions,
    private readonly metrics: IngestMetrics,
  ) {
    const uri = (chunks as { uri?: unknown }).uri;
    this.uri = options.label ?? (typeof uri === 'string' ? uri : 'the audio stream');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Float32Array> {
    const { signal, transport, maxDurationS } = this.options;
    const maxSamples = maxDurationS === undefined ? Infinity : Math.round(maxDurationS * CLAP_SAMPLE_RATE);
    const iterator = this.chunks[Symbol.asyncIterator]();
    let onAbort = () => undefined as void;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    let finished = false;
    try {
      for (;;) {
        // Raced with the signal, so that a source that has gone quiet (a stalled URL) stops at once.
        const next = iterator.next();
        const result = signal ? await Promise.race([next, aborted]) : await next;
        if (result === 'aborted') {
          next.catch(() => undefined);
          return;
        }
        if (result.done) {
          finished = true;
          return;
        }
        // Audio up to the limit is used (its windows are published); one sample more ends the feed.
        const chunk = result.value.subarray(0, Math.max(0, maxSamples - this.samples));
        this.samples += chunk.length;
        this.metrics.audioSeconds.inc({ transport }, chunk.length / CLAP_SAMPLE_RATE);
        if (chunk.length > 0) yield chunk;
        if (chunk.length < result.value.length) throw new AudioLimitError(maxDurationS ?? 0);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!finished) {
        // Closes the input (an ffmpeg decoder is killed); after an abort it cannot wait for the pending read.
        const closing = Promise.resolve(iterator.return?.()).catch(() => undefined);
        if (!signal?.aborted) await closing;
      }
    }
  }
}
