import { PassThrough } from 'node:stream';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { IdleWatch } from './idle.watch';
import { IdleTimeoutError } from './ingest.errors';
import type { IngestMetrics } from './ingest.metrics';
import { decodePcm } from './pcm.decoder';
import type { PcmParams } from './pcm.params';
import type { IngestSummary, StreamIngestService } from './stream-ingest.service';
import type { StreamPosition } from './stream.registry';

export interface LiveStreamOptions {
  position?: Partial<StreamPosition>;
  /** called with each window's sequence number once Kafka has acknowledged it */
  onWindow?: (windowSeq: number) => void;
  ffmpegPath?: string;
  /** a client that sends nothing this long while ingest waits for it is ended (INGEST_IDLE_TIMEOUT_S) */
  idleTimeoutS?: number;
}

/**
 * A live stream of raw PCM pushed by a client (a WebSocket): bytes go in with `write` (false: stop sending
 * until `onDrain`), `end` says the audio is over, and `done` settles once the last window — the tail, not
 * padded — is acknowledged. Bytes are decoded and resampled to 48 kHz by ffmpeg as they arrive.
 */
export class LivePcmStream {
  readonly done: Promise<IngestSummary>;
  private readonly input = new PassThrough();
  private ended = false;
  /** why the stream was ended by the server (idle), failing the feed once the decoder has flushed */
  private failure: Error | undefined;
  private readonly label: string;
  private readonly idle: IdleWatch | undefined;

  constructor(
    service: StreamIngestService,
    private readonly metrics: IngestMetrics,
    streamId: string,
    params: PcmParams,
    options: LiveStreamOptions = {},
  ) {
    this.label = `live stream ${streamId}`;
    const label = this.label;
    const { idleTimeoutS } = options;
    this.idle =
      idleTimeoutS === undefined
        ? undefined
        : new IdleWatch(
            idleTimeoutS * 1000,
            () => this.input.writableNeedDrain,
            () => this.fail(new IdleTimeoutError(idleTimeoutS)),
          );
    this.idle?.start();
    const samples = this.untilFailed(decodePcm(this.input, params, { ffmpegPath: options.ffmpegPath, label }));
    this.done = service.ingest(streamId, samples, {
      transport: 'websocket',
      position: options.position,
      onWindow: options.onWindow,
      label,
    });
    // Whoever feeds the stream learns of failures through `done`; nothing more to read once it settled.
    this.done
      .catch(() => undefined)
      .finally(() => {
        this.idle?.stop();
        this.input.resume();
      });
  }

  /** Feeds bytes; false when the decoder is behind (pause the source until `onDrain`). */
  write(bytes: Buffer): boolean {
    if (this.failure) throw this.failure;
    if (this.ended) throw new InvalidInputError(`audio sent after the end of ${this.label}`);
    this.idle?.touch();
    this.metrics.uploadBytes.inc({ transport: 'websocket' }, bytes.length);
    return this.input.write(bytes);
  }

  onDrain(listener: () => void): void {
    this.input.on('drain', listener);
  }

  /** The audio is over: the decoder flushes and the tail window is published. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.input.end();
  }

  /** Ends the stream because of `error`: the decoder flushes, full windows are published, the tail is not. */
  private fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.end();
  }

  private async *untilFailed(samples: AsyncIterable<Float32Array>): AsyncGenerator<Float32Array> {
    yield* samples;
    if (this.failure) throw this.failure;
  }
}
