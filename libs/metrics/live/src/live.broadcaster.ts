import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LIVE_OPTIONS, type LiveModuleOptions } from './live.options';
import { LiveView } from './live.view';

/** How long a page's EventSource waits before it reconnects after losing the stream. */
const RECONNECT_MS = 3_000;

/**
 * The pages connected to `/live/events` (Server-Sent Events). A change of the view schedules one snapshot for all of
 * them, at most one per `minIntervalMs` (changes in between are coalesced: the snapshot is the whole state); a
 * comment line every `heartbeatMs` keeps idle streams open. A page whose socket is still full from the last update
 * skips updates until it drains, then gets the newest. The view is listened to only while a page is connected.
 */
@Injectable()
export class LiveBroadcaster implements OnModuleDestroy {
  private readonly pages = new Set<ServerResponse>();
  private readonly behind = new Set<ServerResponse>();
  private readonly minIntervalMs: number;
  private readonly heartbeatMs: number;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private lastSentAt = -Infinity;
  private latest = '';
  private closing = false;

  constructor(
    @Inject(LiveView) private readonly view: LiveView,
    @Inject(LIVE_OPTIONS) options: LiveModuleOptions,
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** Pages connected now. */
  get connected(): number {
    return this.pages.size;
  }

  /**
   * Starts the event stream on `response` with the current snapshot; it ends when the page goes away. Once the module
   * is being destroyed the answer is 503: a page reconnecting in that moment would otherwise hold the server open.
   */
  attach(response: ServerResponse): void {
    if (this.closing) {
      response.writeHead(503, {
        'Content-Type': 'application/json; charset=utf-8',
        'Retry-After': '5',
        Connection: 'close',
      });
      response.end(JSON.stringify({ error: 'the metrics service is shutting down' }));
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // nginx: pass events on at once
    });
    response.write(`retry: ${RECONNECT_MS}\n\n`);
    response.write(this.message());
    this.pages.add(response);
    response.on('close', () => this.detach(response));
    response.on('drain', () => {
      if (this.behind.delete(response)) response.write(this.latest);
    });
    if (this.unsubscribe === undefined) {
      this.unsubscribe = this.view.subscribe(() => this.schedule());
      this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    }
  }

  onModuleDestroy(): void {
    this.closing = true;
    // the connection goes too: left idle, a page's reconnect could still arrive on it while the server closes
    for (const page of this.pages) page.end(() => page.socket?.destroy());
    this.pages.clear();
    this.stop();
  }

  private detach(response: ServerResponse): void {
    this.pages.delete(response);
    this.behind.delete(response);
    if (this.pages.size === 0) this.stop();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.heartbeat);
    clearTimeout(this.pending);
    this.heartbeat = undefined;
    this.pending = undefined;
  }

  private schedule(): void {
    if (this.pending !== undefined) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - Date.now());
    this.pending = setTimeout(() => this.send(), wait);
  }

  private send(): void {
    this.pending = undefined;
    this.lastSentAt = Date.now();
    const message = this.message();
    for (const page of this.pages) {
      if (page.writableNeedDrain) this.behind.add(page);
      else page.write(message);
    }
  }

  private beat(): void {
    for (const page of this.pages) if (!page.writableNeedDrain) page.write(': heartbeat\n\n');
  }

  private message(): string {
    this.latest = `data: ${JSON.stringify(this.view.snapshot())}\n\n`;
    return this.latest;
  }
}
