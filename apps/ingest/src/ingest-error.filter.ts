import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimitedError } from '@audio-concepts/ingest-stream';
import { mapError } from './ingest-error.map';

/** Seconds a client should wait before trying again when Kafka is unavailable. */
const UNAVAILABLE_RETRY_AFTER_S = 5;

/**
 * The service's one exception filter (global): an unknown route (404), a path that does not decode (400) and
 * whatever the ingest routes throw all become JSON errors: `{"error": "…"}` with the status of `mapError`, plus the
 * windows published before a failed upload, `WWW-Authenticate` on 401 and `Retry-After` on 429/503. When the
 * body was not read to its end (413, or a refusal before reading), the connection is closed after the answer.
 */
@Catch()
export class IngestErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ingest');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (!request.complete) response.setHeader('Connection', 'close');
    if (thrown instanceof HttpException) {
      response.status(thrown.getStatus()).json({ error: thrown.message });
      return;
    }
    const mapped = mapError(thrown);
    if (mapped.internal) this.logger.error(`${request.method} ${request.path}: ${mapped.error.stack ?? mapped.error}`);
    if (mapped.status === 401) response.setHeader('WWW-Authenticate', 'Bearer realm="audio-concepts-ingest"');
    if (mapped.error instanceof RateLimitedError) response.setHeader('Retry-After', String(mapped.error.retryAfterS));
    if (mapped.status === 503) response.setHeader('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
    const progress = mapped.progress && {
      stream: mapped.progress.stream,
      windows: mapped.progress.windows,
      first_seq: mapped.progress.firstSeq,
      last_seq: mapped.progress.lastSeq,
    };
    response.status(mapped.status).json({ error: mapped.message, ...progress });
  }
}
