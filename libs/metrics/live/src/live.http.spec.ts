import { readFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_ASSETS_DIR, LiveAssets } from './live.assets';
import { LiveBroadcaster } from './live.broadcaster';
import { FixtureClock, feedFixture, fixtureFrame } from './live.fixture';
import { LiveModule } from './live.module';
import type { LiveModuleOptions } from './live.options';
import type { LiveSnapshot } from './live.types';
import { LiveView } from './live.view';

const TOKEN = 'live-spec-token-0123456789abcdef';

async function startLive(
  options: Omit<LiveModuleOptions, 'view'>,
): Promise<{ app: INestApplication; view: LiveView; base: string }> {
  const clock = new FixtureClock();
  const view = new LiveView({ now: clock.now });
  feedFixture(view, clock, Date.now());
  @Module({ imports: [LiveModule.forRoot({ view, ...options })] })
  class AppModule {}
  const app = await startService(AppModule, { name: 'live-spec', host: '127.0.0.1', port: 0, logLevels: ['error'] });
  return { app, view, base: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Reads a Server-Sent Events stream message by message: `data` (parsed) or `comment`. */
class EventReader {
  private buffer = '';
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    response.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** GETs `url` on a connection of its own (closed by `close()`). */
  static open(url: string): Promise<EventReader> {
    return new Promise((resolve, reject) => {
      const request = httpGet(url, { agent: false }, (response) => resolve(new EventReader(response)));
      request.once('error', reject);
    });
  }

  close(): void {
    this.response.destroy();
  }

  async next(): Promise<{ kind: 'data'; snapshot: LiveSnapshot } | { kind: 'comment' | 'retry'; text: string }> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const message = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (message.startsWith('data: ')) return { kind: 'data', snapshot: JSON.parse(message.slice(6)) };
        if (message.startsWith(':')) return { kind: 'comment', text: message };
        return { kind: 'retry', text: message };
      }
      if (this.ended) throw new Error('the event stream ended');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async nextData(): Promise<LiveSnapshot> {
    for (;;) {
      const message = await this.next();
      if (message.kind === 'data') return message.snapshot;
    }
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('LiveModule with a token', () => {
  let app: INestApplication;
  let view: LiveView;
  let base: string;
  beforeAll(async () => {
    ({ app, view, base } = await startLive({ token: TOKEN, minIntervalMs: 100, heartbeatMs: 300 }));
  });
  afterAll(async () => app.close());

  it('serves the state to the token (header or ?token=) and 401 JSON to anyone else', async () => {
    const missing = await fetch(`${base}/live/state`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="audio-concepts-metrics"');
    expect(await missing.json()).toEqual({
      error: 'missing bearer token: send "Authorization: Bearer <token>" or open /live?token=<token>',
    });
    const wrong = await fetch(`${base}/live/state?token=nope`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'the bearer token is not valid' });
    expect((await fetch(`${base}/live/state`, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);

    const byHeader = await fetch(`${base}/live/state`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers.get('cache-control')).toBe('no-store');
    const snapshot = (await byHeader.json()) as LiveSnapshot;
    expect(snapshot.streams.map((s) => s.streamId)).toEqual(['street-cam-1', 'street-cam-2', 'studio-a']);
    expect(snapshot.groups.map((g) => g.streamGroup)).toEqual(['street', 'studio']);
    expect((await fetch(`${base}/live/state?token=${TOKEN}`)).status).toBe(200);
  });

  it('serves the page to the token with a strict content policy; a browser without it gets a 401 page', async () => {
    const page = await fetch(`${base}/live?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toBe(readFileSync(join(LIVE_ASSETS_DIR, 'live.html'), 'utf8'));

    const browser = await fetch(`${base}/live?token=nope`, { headers: { Accept: 'text/html,*/*;q=0.8' } });
    expect(browser.status).toBe(401);
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await browser.text();
    expect(html).toContain('401 — not authorized:</strong> the bearer token is not valid.');
    expect(html).not.toContain('<script');

    const client = await fetch(`${base}/live`);
    expect(client.status).toBe(401);
    expect((await client.json()).error).toMatch(/^missing bearer token/);
  });

  it('serves the script and the style, which hold no data, without the token', async () => {
    const script = await fetch(`${base}/live/assets/live.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(readFileSync(join(LIVE_ASSETS_DIR, 'live.js'), 'utf8'));
    const style = await fetch(`${base}/live/assets/live.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await style.text()).toBe(readFileSync(join(LIVE_ASSETS_DIR, 'live.css'), 'utf8'));
  });

  it('refuses the event stream without the token', async () => {
    const refused = await fetch(`${base}/live/events`);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toMatch(/^missing bearer token/);
  });

  it('streams the state, then one coalesced update for a burst of frames, with heartbeats', async () => {
    const events = await EventReader.open(`${base}/live/events?token=${TOKEN}`);
    expect(events.response.statusCode).toBe(200);
    expect(events.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(await events.next()).toEqual({ kind: 'retry', text: 'retry: 3000' });
    const first = await events.nextData();
    const framesBefore = first.groups.find((g) => g.streamGroup === 'street')?.frames ?? 0;

    for (let seq = 1000; seq < 1030; seq++)
      view.addFrame(fixtureFrame('street-burst', seq, Date.now(), [{ label: 'thunder', weight: 0.4 }]));
    const update = await events.nextData();
    expect(update.groups.find((g) => g.streamGroup === 'street')?.frames).toBe(framesBefore + 30);
    expect(update.streams.find((s) => s.streamId === 'street-burst')?.windowSeq).toBe(1029);
    // nothing more until the next heartbeat: the 30 changes were one message
    expect(await events.next()).toEqual({ kind: 'comment', text: ': heartbeat' });

    view.addFrame(fixtureFrame('street-burst', 1030, Date.now(), [{ label: 'thunder', weight: 0.4 }]));
    expect((await events.nextData()).streams.find((s) => s.streamId === 'street-burst')?.windowSeq).toBe(1030);

    const broadcaster = app.get(LiveBroadcaster);
    expect(broadcaster.connected).toBe(1);
    expect(view.subscribers).toBe(1);
    events.close();
    await until(() => broadcaster.connected === 0, 'the page to be let go');
    expect(view.subscribers).toBe(0);
  });
});

describe('LiveModule without a token', () => {
  it('is open to all', async () => {
    const { app, base } = await startLive({ token: undefined });
    try {
      expect((await fetch(`${base}/live/state`)).status).toBe(200);
      expect((await fetch(`${base}/live`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('closes while a page follows the events (the stream is ended, not left hanging)', async () => {
    const { app, base } = await startLive({ token: '' });
    const events = await EventReader.open(`${base}/live/events`);
    await events.nextData();
    await app.close();
    await expect(events.nextData()).rejects.toThrow('the event stream ended');
  });
});

describe('LiveModule while the app closes', () => {
  it('refuses new event streams once it has ended the open ones (a page reconnecting then kept close() waiting)', async () => {
    const { app, base } = await startLive({ token: undefined });
    app.get(LiveBroadcaster).onModuleDestroy(); // what app.close() does first, before the server stops listening
    const late = await fetch(`${base}/live/events`);
    expect(late.status).toBe(503);
    expect(await late.json()).toEqual({ error: 'the metrics service is shutting down' });
    await app.close();
  });
});

describe('LiveAssets', () => {
  it('names the file it cannot read', () => {
    expect(() => new LiveAssets('/nonexistent/live-assets')).toThrow(
      "the live page's file /nonexistent/live-assets/live.html cannot be read: ENOENT",
    );
  });
});
