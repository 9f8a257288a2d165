import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryReader, readFeedPosition, RequestGate, UploadIngest } from '@audio-concepts/ingest-stream';
import { type SummaryJson, summaryJson } from './summary.json';

const UPGRADE_REQUIRED = 426;

/**
 * HTTP routes of ingest. `POST /v1/streams/{id}/audio` streams the body (any format ffmpeg reads, whole or
 * chunked) into windows and answers once Kafka has acknowledged all of them. `GET /v1/streams/{id}` is the
 * WebSocket endpoint (see `IngestWebSocket`); without an upgrade it answers 426.
 */
@Controller('v1/streams')
export class IngestController {
  constructor(
    @Inject(RequestGate) private readonly gate: RequestGate,
    @Inject(UploadIngest) private readonly uploads: UploadIngest,
  ) {}

  @Post(':id/audio')
  @HttpCode(HttpStatus.OK)
  async upload(
    @Param('id') streamId: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SummaryJson> {
    this.gate.admit({ authorization: request.headers.authorization });
    const query = new QueryReader(new URL(request.originalUrl, 'http://ingest').searchParams);
    const position = readFeedPosition(query);
    query.check();
    const declared = Number(request.headers['content-length']);
    const summary = await this.uploads.ingest(streamId, request, {
      contentLength: Number.isFinite(declared) ? declared : undefined,
      position,
      // `Expect: 100-continue` (curl sends it for large files): the body is asked for only once accepted.
      onAccepted: () => {
        if (/^100-continue$/i.test(request.headers.expect ?? '')) response.writeContinue();
      },
    });
    return summaryJson(summary);
  }

  @Get(':id')
  stream(@Req() request: Request, @Res() response: Response): void {
    this.gate.admit({ authorization: request.headers.authorization });
    response
      .status(UPGRADE_REQUIRED)
      .setHeader('Upgrade', 'websocket')
      .json({ error: 'this is a WebSocket endpoint: connect with an Upgrade: websocket request' });
  }
}
