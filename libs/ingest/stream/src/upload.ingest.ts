import type { Readable } from 'node:stream';
import { AudioDecodeError, describeWavTruncation, openAudio, WavStreamCheck } from '@audio-concepts/ingest-audio';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { ByteLimit } from './byte.limit';
import { IdleWatch } from './idle.watch';
import { IdleTimeoutError, IngestInterruptedError, PayloadTooLargeError } from './ingest.errors';
import type { IngestMetrics } from './ingest.metrics';
import type { IngestSummary, StreamIngestService } from './stream-ingest.service';
import type { StreamPosition } from './stream.registry';

/** What one upload may be: bytes (INGEST_MAX_UPLOAD_BYTES), decoded seconds, and seconds without a byte. */
export interface UploadLimits {
  maxBytes: number;
  /** the most decoded audio (INGEST_MAX_UPLOAD_S): beyond it, 413 */
  maxDurationS?: number;
  /** a body that sends nothing this long while ingest waits for it ends (INGEST_IDLE_TIMEOUT_S): 408 */
  idleTimeoutS?: number;
}

export interface UploadOptions {
  /** the request's Content-Length, when it has one (a chunked upload has none) */
  contentLength?: number;
  position?: Partial<StreamPosition>;
  /** Called once the upload is accepted, before its body is read (the moment for `100 Continue`). */
  onAccepted?: () => void;
}

const BODY = 'the request body';

/**
 * Ingests an uploaded file in any format ffmpeg reads, decoding the body as it arrives (nothing is buffered
 * beyond the pipes): `POST /v1/streams/{id}/audio`, whole or chunked. A body over `maxBytes` is refused before
 * reading when its Content-Length says so, else when the limit is reached: reading stops there, the windows
 * published until then stay published (the error says how many), the cut-off tail is not published. The same
 * holds for a body that decodes to more than `maxDurationS` of audio and for one that stalls (`idleTimeoutS`). A WAV body
 * that holds less than its header declares is published as it is, and the summary says it was truncated.
 */
export class UploadIngest {
  constructor(
    private readonly service: StreamIngestService,
    private readonly metrics: IngestMetrics,
    readonly limits: UploadLimits,
    private readonly ffmpegPath?: string,
  ) {}

  async ingest(streamId: string, body: Readable, options: UploadOptions = {}): Promise<IngestSummary> {
    const { maxBytes, maxDurationS, idleTimeoutS } = this.limits;
    if (options.contentLength !== undefined && options.contentLength > maxBytes) {
      throw new PayloadTooLargeError(maxBytes, options.contentLength);
    }
    // A stalled client ends like an oversized one: the body is stopped, the windows so far stay published.
    const idle =
      idleTimeoutS === undefined
        ? undefined
        : new IdleWatch(
            idleTimeoutS * 1000,
            () => limit.writableNeedDrain,
            () => limit.stop(new IdleTimeoutError(idleTimeoutS)),
          );
    const wav = new WavStreamCheck();
    const limit = new ByteLimit(maxBytes, (chunk) => {
      wav.push(chunk);
      idle?.touch();
    });
    // Over the limit, or the client gone: stop reading the body (the answer closes the connection).
    limit.once('stopped', () => body.unpipe(limit));
    const onBodyError = (error: Error) => limit.stop(new InvalidInputError(`the upload broke off: ${error.message}`));
    body.once('error', onBodyError);
    body.pipe(limit);
    try {
      const audio = await openAudio('-', { stdin: limit, ffmpegPath: this.ffmpegPath });
      const summary = await this.service.ingest(streamId, untilStopped(audio, limit), {
        transport: 'upload',
        position: options.position,
        onStart: () => {
          idle?.start();
          options.onAccepted?.();
        },
        label: BODY,
        maxDurationS,
      });
      // ffmpeg decodes a cut-off WAV without a word: say so, the audio it held being published all the same
      const truncation = wav.truncation();
      return truncation ? { ...summary, truncated: true, warning: describeWavTruncation(truncation, BODY) } : summary;
    } catch (error) {
      throw explain(error, limit);
    } finally {
      idle?.stop();
      body.off('error', onBodyError);
      body.unpipe(limit);
      this.metrics.uploadBytes.inc({ transport: 'upload' }, limit.bytes);
    }
  }
}

/**
 * The decoded audio, failing at its end when the body was stopped: ffmpeg only saw its input end, and the
 * truncated tail must not be published as if it were the end of the upload.
 */
async function* untilStopped(audio: AsyncIterable<Float32Array>, limit: ByteLimit): AsyncGenerator<Float32Array> {
  yield* audio;
  if (limit.error) throw limit.error;
}

/** Why the body was stopped, when it was, is what went wrong; and a body is no "stdin". */
function explain(error: unknown, limit: ByteLimit): unknown {
  if (!(error instanceof IngestInterruptedError)) return error;
  if (limit.error) return new IngestInterruptedError(limit.error, error.progress);
  const cause = error.cause;
  if (cause instanceof AudioDecodeError && /\bstdin\b/.test(cause.message)) {
    const relabelled = new AudioDecodeError(cause.message.replace(/\bstdin\b/, BODY), {
      uri: BODY,
      ffmpegExitCode: cause.ffmpegExitCode,
      cause,
    });
    return new IngestInterruptedError(relabelled, error.progress);
  }
  return error;
}
