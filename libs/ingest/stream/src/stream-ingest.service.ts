import { CLAP_SAMPLE_RATE, windowAudio, windowMessage } from '@audio-concepts/ingest-audio';
import type { AudioWindow, WireFormat } from '@audio-concepts/shared-contracts';
import { InvalidInputError, errorMessage } from '@audio-concepts/shared-errors';
import { sleep } from '@audio-concepts/platform-retry';
import type { AudioRateLimiter } from './audio-rate.limiter';
import { IngestInterruptedError, type IngestProgress, WindowPublishError } from './ingest.errors';
import type { IngestMetrics, Transport } from './ingest.metrics';
import { checkStreamId } from './stream-id';
import { CountedChunks } from './counted.chunks';
import type { IngestLog } from './ingest.log';
import type { StreamPositionLog } from './stream.positions';
import type { StreamPosition, StreamRegistry } from './stream.registry';
import type { WindowSink } from './window.sink';

/** Window length and hop in seconds (INGEST_WINDOW_S, INGEST_HOP_S), as for the embedded `tag`. */
export interface WindowingSettings {
  windowS: number;
  hopS: number;
  /** how windows' PCM is written (default v2: float32 bytes) */
  wireFormat?: WireFormat;
}

export interface FeedOptions {
  transport: Transport;
  /** Where the stream goes on, overriding what the registry remembers (`?seq_start=`, `?start_ms=`). */
  position?: Partial<StreamPosition>;
  /** Called with each window's sequence number once Kafka has acknowledged it. */
  onWindow?: (windowSeq: number) => void;
  /** Ends the input early, as if the audio had ended there (the tail window is still published). */
  signal?: AbortSignal;
  /** Called once the feed is accepted (stream id free, Kafka ready), before any audio is read. */
  onStart?: () => void;
  /** How the input is named in error messages; default its `uri` (an `AudioStream`'s) or "the audio stream". */
  label?: string;
  /** The most audio this feed may bring (an upload's INGEST_MAX_UPLOAD_S): beyond it, an `AudioLimitError`. */
  maxDurationS?: number;
}

export interface StreamIngestOptions {
  /** when windows are stamped `ingestedAtMs` (tests) */
  clock?: () => number;
  /** how fast each stream may publish audio (INGEST_MAX_AUDIO_RATE); a faster feed waits before each window */
  audioRate?: AudioRateLimiter;
  /** where stream positions are kept durably (else in the registry only: a restart starts streams at 0) */
  positions?: StreamPositionLog;
  log?: IngestLog;
}

/** What one feed published: windows `firstSeq`…`lastSeq` (null when none) of `durationS` seconds of audio. */
export interface IngestSummary extends IngestProgress {
  durationS: number;
  /** the input ended before the end its own header declares (a cut-off WAV); `warning` says how */
  truncated?: boolean;
  warning?: string;
}

/**
 * Turns a stream's audio into published windows. Each feed (an upload, a WebSocket stream, a run of a pull
 * source) holds its stream id for its whole length, continues the stream's sequence numbers and timeline,
 * and cuts 48 kHz mono samples into windows exactly as the embedded `tag` does (`windowAudio`): real lengths,
 * the tail not padded. Each window is published and acknowledged before the next sample is read, so a slow
 * broker slows the client down instead of filling memory.
 */
export class StreamIngestService {
  constructor(
    private readonly sink: WindowSink,
    private readonly registry: StreamRegistry,
    private readonly metrics: IngestMetrics,
    private readonly settings: WindowingSettings,
    private readonly options: StreamIngestOptions = {},
  ) {
    for (const [name, value] of Object.entries({ windowS: settings.windowS, hopS: settings.hopS })) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new InvalidInputError(`${name} must be a positive number of seconds, got ${value}`);
      }
    }
  }

  /**
   * Publishes the windows of `chunks` (48 kHz mono) for `streamId` and resolves once all are acknowledged.
   * Before reading anything it throws `InvalidInputError` (bad id or position), `WindowPublishError` (Kafka
   * not connected) or `StreamBusyError`; a failure after that is an `IngestInterruptedError` wrapping the
   * cause and saying which windows were published.
   */
  async ingest(streamId: string, chunks: AsyncIterable<Float32Array>, options: FeedOptions): Promise<IngestSummary> {
    checkStreamId(streamId);
    const { positions } = this.options;
    for (const part of [this.sink, positions]) {
      const ready = part?.readiness() ?? true;
      if (ready !== true) throw new WindowPublishError(`cannot accept audio now: ${ready}`);
    }
    // what another replica (or this one before a restart) wrote must be known before the stream is taken
    await positions?.catchUp();
    const lease = this.registry.acquire(streamId, options.position);
    this.metrics.activeStreams.inc();
    const input = new CountedChunks(chunks, options, this.metrics);
    const progress: IngestProgress = { stream: streamId, windows: 0, firstSeq: null, lastSeq: null };
    let nextSeq = lease.start.nextSeq;
    let saved: StreamPosition = lease.start;
    try {
      options.onStart?.();
      const { windowS, hopS, wireFormat } = this.settings;
      const windows = windowAudio(input, { sampleRate: CLAP_SAMPLE_RATE, windowS, hopS });
      for await (const window of windows) {
        await this.throttle(streamId, window.samples.length, options.signal);
        const ingestedAtMs = (this.options.clock ?? Date.now)();
        const windowSeq = lease.start.nextSeq + window.seq;
        // Taken even if publishing fails: a send that timed out may still land, and its number must not be
        // reused for other audio (consumers dedupe by stream and sequence number).
        nextSeq = windowSeq + 1;
        const message = windowMessage(window, {
          streamId,
          sampleRate: CLAP_SAMPLE_RATE,
          ingestedAtMs,
          seqOffset: lease.start.nextSeq,
          startMsOffset: lease.start.nextStartMs,
          wireFormat,
        });
        // Durable before the window is published: after a crash at any point, the stream goes on after it.
        saved = { nextSeq, nextStartMs: message.startMs + message.durationMs };
        await positions?.save(streamId, saved);
        await this.publish(message, options.transport);
        progress.windows += 1;
        progress.firstSeq ??= windowSeq;
        progress.lastSeq = windowSeq;
        options.onWindow?.(windowSeq);
      }
      return { ...progress, durationS: input.samples / CLAP_SAMPLE_RATE };
    } catch (error) {
      throw new IngestInterruptedError(error instanceof Error ? error : new Error(String(error)), { ...progress });
    } finally {
      const end = { nextSeq, nextStartMs: lease.start.nextStartMs + toMs(input.samples) };
      lease.release(end);
      this.metrics.activeStreams.dec();
      if (end.nextSeq !== saved.nextSeq || end.nextStartMs !== saved.nextStartMs) await this.saveEnd(streamId, end);
    }
  }

  /**
   * Records where the stream ends when that differs from the last window's end (audio after it that made no
   * window). Its numbers are durable already, so a failure only costs timeline continuity: logged, not thrown.
   */
  private async saveEnd(streamId: string, end: StreamPosition): Promise<void> {
    try {
      await this.options.positions?.save(streamId, end);
    } catch (error) {
      this.options.log?.warn(
        `stream ${streamId}: its end (start_ms ${end.nextStartMs}) was not recorded: ${errorMessage(error)}`,
      );
    }
  }

  /** Waits until the stream may publish `samples` more (the audio rate limit); the client is held back meanwhile. */
  private async throttle(streamId: string, samples: number, signal: AbortSignal | undefined): Promise<void> {
    const waitMs = this.options.audioRate?.take(streamId, samples / CLAP_SAMPLE_RATE) ?? 0;
    if (waitMs > 0) await sleep(waitMs, signal);
  }

  private async publish(window: AudioWindow, transport: Transport): Promise<void> {
    const endTimer = this.metrics.publishSeconds.startTimer();
    await this.sink.publish(window);
    endTimer();
    this.metrics.windows.inc({ transport });
  }
}

function toMs(samples: number): number {
  return Math.round((samples * 1000) / CLAP_SAMPLE_RATE);
}
