import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import {
  checkStreamId,
  IngestMetrics,
  LivePcmStream,
  QueryReader,
  RateLimitedError,
  readFeedPosition,
  readPcmParams,
  RequestGate,
  StreamIngestService,
} from '@audio-concepts/ingest-stream';
import { INGEST_CONFIG, type IngestConfig } from './config';
import { mapError } from './ingest-error.map';
import { summaryJson } from './summary.json';

const PATH = /^\/v1\/streams\/([^/]+)$/;
/** Largest WebSocket message: 4 MiB, about 11 s of 48 kHz stereo s16 (clients send far smaller frames). */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** The text message that ends a live stream (its tail window is published and acknowledged, then we close). */
const END_MESSAGE = 'end';
/** How long shutdown waits for live streams to publish their tails. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Live streams over WebSocket at `GET /v1/streams/{id}?format=f32le|s16le&rate=R&channels=C`. The token is
 * checked before the upgrade (401/429 as HTTP answers); bad parameters or a busy stream close the socket
 * with 1008 and the reason. Binary messages carry raw interleaved PCM; each published window is acknowledged
 * with `{"window_seq": N}`. The text message `end` finishes the stream: the tail window is published and
 * acknowledged, the summary (as for an upload) is sent, and the server closes with 1000. A client that just
 * closes gets its tail published too, without the acknowledgement.
 */
@Injectable()
export class IngestWebSocket {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly logger = new Logger('websocket');
  private readonly streams = new Set<LivePcmStream>();

  constructor(
    @Inject(RequestGate) private readonly gate: RequestGate,
    @Inject(StreamIngestService) private readonly service: StreamIngestService,
    @Inject(IngestMetrics) private readonly metrics: IngestMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  attach(http: Server): void {
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(request, socket, head));
  }

  /** Closes every live stream (publishing their tails) and waits a while for them. */
  async close(): Promise<void> {
    for (const client of this.server.clients) client.close(1001, 'ingest is shutting down');
    const pending = [...this.streams].map((stream) => {
      stream.end();
      return stream.done.catch(() => undefined);
    });
    await Promise.race([
      Promise.all(pending),
      new Promise((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
    ]);
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://ingest');
    const match = PATH.exec(url.pathname);
    if (!match) return this.refuse(socket, 404, 'not found: live streams are at /v1/streams/{id}');
    try {
      this.gate.admit({ authorization: request.headers.authorization, queryToken: url.searchParams.getAll('token') });
    } catch (error) {
      const mapped = mapError(error);
      const headers: Record<string, string> =
        mapped.status === 401
          ? { 'WWW-Authenticate': 'Bearer realm="audio-concepts-ingest"' }
          : mapped.error instanceof RateLimitedError
            ? { 'Retry-After': String(mapped.error.retryAfterS) }
            : {};
      return this.refuse(socket, mapped.status, mapped.message, headers);
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.metrics.requests.inc({ route: 'websocket', code: '101' });
      this.serve(ws, safeDecode(match[1]), url.searchParams);
    });
  }

  private serve(ws: WebSocket, streamId: string, params: URLSearchParams): void {
    let stream: LivePcmStream;
    try {
      checkStreamId(streamId);
      const query = new QueryReader(params);
      const pcm = readPcmParams(query);
      const position = readFeedPosition(query);
      query.string('token');
      query.check();
      stream = new LivePcmStream(this.service, this.metrics, streamId, pcm, {
        position,
        onWindow: (seq) => send(ws, { window_seq: seq }),
        idleTimeoutS: this.config.idleTimeoutS,
      });
    } catch (error) {
      return fail(ws, error);
    }
    this.streams.add(stream);
    stream.onDrain(() => ws.resume());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        if (!isBinary) {
          if (data.toString() !== END_MESSAGE)
            throw new InvalidInputError(`unknown text message: only "${END_MESSAGE}" is understood`);
          stream.end();
        } else if (!stream.write(toBuffer(data))) {
          ws.pause();
        }
      } catch (error) {
        fail(ws, error);
        stream.end();
      }
    });
    ws.on('close', () => stream.end());
    ws.on('error', (error) => this.logger.warn(`stream ${streamId}: ${error.message}`));
    stream.done
      .then(
        (summary) => {
          send(ws, summaryJson(summary));
          ws.close(1000, 'end of stream');
        },
        (error: unknown) => {
          const mapped = mapError(error);
          if (mapped.internal) this.logger.error(`stream ${streamId}: ${mapped.error.stack ?? mapped.error}`);
          else this.logger.warn(`stream ${streamId}: ${mapped.message}`);
          fail(ws, error);
        },
      )
      .catch((error: unknown) => this.logger.error(`stream ${streamId}: answering failed: ${String(error)}`))
      .finally(() => this.streams.delete(stream));
  }

  private refuse(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
    this.metrics.requests.inc({ route: 'websocket', code: String(status) });
    const body = JSON.stringify({ error: message });
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Sends a JSON text message if the socket is still open. */
function send(ws: WebSocket, message: object): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}

/** Sends `{"error": …}` (the whole message) and closes with the error's code and a reason cut to the 123 bytes allowed. */
function fail(ws: WebSocket, error: unknown): void {
  const mapped = mapError(error);
  send(ws, { error: mapped.message });
  if (ws.readyState === WebSocket.OPEN) ws.close(mapped.closeCode, truncateUtf8(mapped.message, 123));
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
