import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LiveAssets, type LiveAsset } from './live.assets';
import { LiveBroadcaster } from './live.broadcaster';
import { LiveGate } from './live.gate';
import { LiveView } from './live.view';

/**
 * Only the page's own files; the token rides in the page's URL, so no referrer may carry it anywhere. A page that
 * breaks these rules (a CDN script, an inline handler) fails loudly in the browser's console.
 */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

/**
 * `GET /live` (the page), `/live/state` (the snapshot as JSON) and `/live/events` (snapshots as Server-Sent Events),
 * all behind the token; `/live/assets/live.js` and `live.css` (the page's code and style, no data) are open. A refused
 * request gets 401 with `{"error": …}`, or a short page saying why when a browser asks for HTML.
 */
@Controller('live')
export class LiveController {
  constructor(
    @Inject(LiveView) private readonly view: LiveView,
    @Inject(LiveGate) private readonly gate: LiveGate,
    @Inject(LiveAssets) private readonly assets: LiveAssets,
    @Inject(LiveBroadcaster) private readonly broadcaster: LiveBroadcaster,
  ) {}

  @Get()
  page(@Req() request: Request, @Res() response: Response): void {
    if (this.refused(request, response)) return;
    this.sendAsset(response.set(PAGE_HEADERS), this.assets.page);
  }

  @Get('state')
  state(@Req() request: Request, @Res() response: Response): void {
    if (this.refused(request, response)) return;
    response.set('Cache-Control', 'no-store').json(this.view.snapshot());
  }

  @Get('events')
  events(@Req() request: Request, @Res() response: Response): void {
    if (this.refused(request, response)) return;
    this.broadcaster.attach(response);
  }

  @Get('assets/live.js')
  script(@Res() response: Response): void {
    this.sendAsset(response.set('Cache-Control', 'no-cache'), this.assets.script);
  }

  @Get('assets/live.css')
  style(@Res() response: Response): void {
    this.sendAsset(response.set('Cache-Control', 'no-cache'), this.assets.style);
  }

  private refused(request: Request, response: Response): boolean {
    const reason = this.gate.refusal(request);
    if (reason === undefined) return false;
    response.status(401).set('WWW-Authenticate', 'Bearer realm="audio-concepts-metrics"');
    if (request.accepts(['json', 'html']) === 'html')
      response
        .set(PAGE_HEADERS)
        .type('html')
        .send(this.assets.unauthorizedPage.replace('{{reason}}', escapeHtml(reason)));
    else response.json({ error: reason });
    return true;
  }

  private sendAsset(response: Response, asset: LiveAsset): void {
    response.set('X-Content-Type-Options', 'nosniff').type(asset.contentType).send(asset.body);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
