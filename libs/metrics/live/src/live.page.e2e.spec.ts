import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { startService } from '@audio-concepts/platform-runtime';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureClock, feedFixture, fixtureFrame } from './live.fixture';
import { LiveModule } from './live.module';
import { LiveView } from './live.view';

/* The live page in a real browser: Debian's chromium, headless, against a real Nest app with LiveModule. */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'live-page-e2e-token-0123456789abcdef';
const SCREENSHOT = resolve(__dirname, '..', '..', '..', '..', '.test-results', 'live-page.png');

describe('the live page in headless Chromium', () => {
  let app: INestApplication;
  let view: LiveView;
  let base: string;
  let browser: Browser;
  let appOpen = false;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`,
      );
    const clock = new FixtureClock();
    view = new LiveView({ now: clock.now });
    feedFixture(view, clock, Date.now());
    @Module({ imports: [LiveModule.forRoot({ view, token: TOKEN, heartbeatMs: 1_000 })] })
    class AppModule {}
    app = await startService(AppModule, { name: 'live-e2e', host: '127.0.0.1', port: 0, logLevels: ['error'] });
    appOpen = true;
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // root in CI containers needs --no-sandbox; /dev/shm is small there
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (appOpen) await app.close();
  });

  /** A page whose console errors, page errors, failed requests and requested URLs are recorded. */
  async function watchedPage(): Promise<{ page: Page; problems: string[]; requested: string[] }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 900 });
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message}`));
    page.on('requestfailed', (request) => {
      // the event stream is aborted when the page closes; anything else failing is a problem
      if (!request.url().includes('/live/events')) problems.push(`request failed: ${request.url()}`);
    });
    page.on('request', (request) => requested.push(request.url()));
    return { page, problems, requested };
  }

  it('shows the groups and streams, updates when a frame arrives, and uses nothing but its own origin', async () => {
    const { page, problems, requested } = await watchedPage();
    const response = await page.goto(`${base}/live?token=${TOKEN}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('#streams tbody tr[data-stream="studio-a"]', { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'live', {
      timeout: 10_000,
    });

    const streams = await page.$$eval('#streams tbody tr', (rows) => rows.map((r) => r.getAttribute('data-stream')));
    expect(streams).toEqual(['street-cam-1', 'street-cam-2', 'studio-a']);
    const groups = await page.$$eval('article.group', (cards) =>
      cards.map((c) => ({ name: c.getAttribute('data-group'), text: (c as HTMLElement).innerText })),
    );
    expect(groups.map((g) => g.name)).toEqual(['street', 'studio']);
    const [street, studio] = groups.map((g) => g.text);
    expect(street).toContain('ALARM');
    expect(street).toContain('statistic');
    expect(street).toContain('threshold 9.50');
    expect(street).toMatch(/siren 1\.0 % → 62 % of frames/);
    expect(studio).toContain('collecting the reference, 120/500 frames');
    const heat = await page.$$eval('article.group[data-group="street"] svg.heatmap text.row-label', (labels) =>
      labels.map((l) => l.textContent),
    );
    expect(heat).toContain('siren');
    expect(heat[0]).toBe('traffic');
    expect(
      await page.$$eval('article.group[data-group="street"] svg.heatmap rect.heat', (r) => r.length),
    ).toBeGreaterThan(40);
    expect(await page.$$eval('article.group[data-group="street"] svg.chart circle.event.alarm', (c) => c.length)).toBe(
      1,
    );
    const firstRow = await page.$eval(
      '#streams tbody tr[data-stream="street-cam-1"]',
      (r) => (r as HTMLElement).innerText,
    );
    expect(firstRow).toContain('#119');
    expect(firstRow).toContain('siren');

    // a new frame: the page shows it without a reload
    view.addFrame(fixtureFrame('street-cam-9', 7, Date.now(), [{ label: 'church bell', weight: 0.31 }]));
    await page.waitForSelector('#streams tbody tr[data-stream="street-cam-9"]', { timeout: 5_000 });
    const newRow = await page.$eval(
      '#streams tbody tr[data-stream="street-cam-9"]',
      (r) => (r as HTMLElement).innerText,
    );
    expect(newRow).toContain('church bell');
    expect(newRow).toContain('#7');
    expect(await page.$eval('#updated', (e) => e.textContent)).toMatch(/^updated /);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT as `${string}.png`, fullPage: true });

    expect(problems).toEqual([]);
    const origin = new URL(base).origin;
    expect(requested.filter((u) => new URL(u).origin !== origin && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it('says so when the token is wrong or missing (401)', async () => {
    const { page } = await watchedPage();
    const wrong = await page.goto(`${base}/live?token=not-the-token`);
    expect(wrong?.status()).toBe(401);
    expect(await page.$eval('body', (b) => (b as HTMLElement).innerText)).toContain(
      '401 — not authorized: the bearer token is not valid.',
    );
    const missing = await page.goto(`${base}/live`);
    expect(missing?.status()).toBe(401);
    expect(await page.$eval('body', (b) => (b as HTMLElement).innerText)).toContain('missing bearer token');
    await page.close();
  });

  it('shows the connection lost when the service goes away', async () => {
    const { page } = await watchedPage();
    await page.goto(`${base}/live?token=${TOKEN}`);
    await page.waitForFunction(() => document.querySelector('#connection')?.textContent === 'live', {
      timeout: 10_000,
    });
    appOpen = false;
    await app.close();
    await page.waitForFunction(
      () => document.querySelector('#connection')?.textContent === 'connection lost — reconnecting…',
      { timeout: 10_000 },
    );
    await page.close();
  });
});
