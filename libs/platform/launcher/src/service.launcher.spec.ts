import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './__fixtures__/free-port';
import { isReady, launchService } from './index';

/** A service stand-in: answers /readyz with 503 until READY_AFTER_MS, then 200; logs a line on SIGTERM. */
const SERVICE = `
const http = require('node:http');
const started = Date.now();
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/readyz' && Date.now() - started > Number(process.env.READY_AFTER_MS) ? 200 : 503;
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => { console.log('stopping gracefully'); server.close(() => process.exit(0)); });
if (process.env.CRASH) process.exit(3);
`;

describe('launchService', () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ac-launcher-'));
    script = join(dir, 'service.js');
    writeFileSync(script, SERVICE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('waits until /readyz answers 200, logs to the file and stops gracefully on SIGTERM', async () => {
    const port = await freePort();
    const logFile = join(dir, 'logs', 'ok.log');
    const readyUrl = `http://127.0.0.1:${port}/readyz`;
    const service = launchService({
      name: 'ok',
      script,
      env: { PORT: String(port), READY_AFTER_MS: '300' },
      logFile,
      readyUrl,
    });
    try {
      await service.ready(10_000);
      expect(await isReady(readyUrl)).toBe(true);
      expect(service.running).toBe(true);
    } finally {
      await service.stop();
    }
    expect(service.running).toBe(false);
    expect(await isReady(readyUrl)).toBe(false);
    expect(readFileSync(logFile, 'utf8')).toBe('listening\nstopping gracefully\n');
  });

  it.skipIf(!existsSync('/proc/self/status'))('pins the process to the CPUs asked for (taskset)', async () => {
    const port = await freePort();
    const service = launchService({
      name: 'pinned',
      script,
      env: { PORT: String(port), READY_AFTER_MS: '0' },
      logFile: join(dir, 'pinned.log'),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      cpus: '0',
    });
    try {
      await service.ready(10_000);
      const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
      expect(status).toMatch(/^Cpus_allowed_list:\s+0$/m);
      expect(readFileSync(`/proc/${service.pid}/cmdline`, 'utf8').split('\0')).toContain(script);
    } finally {
      await service.stop();
    }
  });

  it('says so when the process exits before it is ready', async () => {
    const port = await freePort();
    const service = launchService({
      name: 'crashy',
      script,
      env: { PORT: String(port), READY_AFTER_MS: '0', CRASH: '1' },
      logFile: join(dir, 'crashy.log'),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    await expect(service.ready(10_000)).rejects.toThrow('crashy exited (code 3) before it was ready');
  });

  it('gives up after the timeout, and kill() ends the process at once', async () => {
    const port = await freePort();
    const service = launchService({
      name: 'slow',
      script,
      env: { PORT: String(port), READY_AFTER_MS: '600000' },
      logFile: join(dir, 'slow.log'),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    try {
      await expect(service.ready(1_000)).rejects.toThrow(
        `slow was not ready at http://127.0.0.1:${port}/readyz within 1 s`,
      );
    } finally {
      await service.kill();
    }
    expect(service.running).toBe(false);
    expect(readFileSync(join(dir, 'slow.log'), 'utf8')).not.toContain('stopping gracefully');
  });
});
