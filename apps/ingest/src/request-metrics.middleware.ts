import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { IngestMetrics } from '@audio-concepts/ingest-stream';

/** Counts each ingest request by route (`upload`, `stream`) and status once its answer is sent. */
@Injectable()
export class RequestMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(IngestMetrics) private readonly metrics: IngestMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const route = request.method === 'POST' ? 'upload' : 'stream';
    response.once('finish', () => this.metrics.requests.inc({ route, code: String(response.statusCode) }));
    next();
  }
}
