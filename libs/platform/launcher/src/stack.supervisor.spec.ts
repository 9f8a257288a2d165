import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '@audio-concepts/platform-retry';
import { freePort } from './__fixtures__/free-port';
import { launchStackService } from './stack.launch';
import type { StackService } from './stack.layout';
import { isServiceAlive } from './stack.processes';
import { readState, removeState, writeState, type StackState } from './stack.state';
import { superviseStack, type RestartPolicy } from './stack.supervisor';

/** A service stand-in: listens on PORT until killed. */
const SERVICE = `require('node:http').createServer((q, s) => s.end()).listen(Number(process.env.PORT), '127.0.0.1');`;
/** One that dies at once, every time. */
const BROKEN = `console.log('broken: exiting'); process.exit(3);`;

const FAST: RestartPolicy = { initialMs: 100, maxMs: 400, stableMs: 60_000, giveUpAfter: 3 };

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('superviseStack', () => {
  let root: string;
  let dir: string;
  let good: string;
  let broken: string;
  const stops: AbortController[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ac-supervisor-'));
    good = join(root, 'good.js');
    broken = join(root, 'broken.js');
    writeFileSync(good, SERVICE);
    writeFileSync(broken, BROKEN);
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop.abort();
    const state = readState(dir);
    for (const s of state?.services ?? []) if (isServiceAlive(s.pid, s.script)) process.kill(s.pid, 'SIGKILL');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function service(name: string, kind: StackService['kind'], script: string): Promise<StackService> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return {
      name,
      kind,
      script,
      host: '127.0.0.1',
      port,
      url,
      readyUrl: `${url}/readyz`,
      metricsUrl: `${url}/metrics`,
      logFile: join(dir, 'logs', `${name}.log`),
    };
  }

  /** A stack of `services` started here, and a supervisor (this process) watching it. */
  function supervise(services: StackService[]): { lines: string[]; done: Promise<void> } {
    const env = { brokers: ['127.0.0.1:1'], token: 't' };
    const state: StackState = {
      version: 1,
      startedAt: new Date().toISOString(),
      token: env.token,
      brokers: env.brokers,
      kafka: 'external',
      env: {},
      services: services.map((s) => ({ ...s, pid: launchStackService(s, env, 'test').pid })),
      supervisor: { pid: process.pid, script: 'vitest', logFile: join(dir, 'supervisor.log') },
    };
    writeState(dir, state);
    const lines: string[] = [];
    const stop = new AbortController();
    stops.push(stop);
    const done = superviseStack({
      dir,
      say: (line) => lines.push(line),
      policy: FAST,
      pollMs: 50,
      signal: stop.signal,
    });
    return { lines, done };
  }

  const pidOf = (name: string) => readState(dir)!.services.find((s) => s.name === name)!.pid;

  it('restarts a service that dies, alone, and leaves the others running', async () => {
    dir = mkdtempSync(join(root, 'stack-'));
    const { lines } = supervise([await service('ingest', 'ingest', good), await service('encoder-1', 'encoder', good)]);
    const [ingest, encoder] = [pidOf('ingest'), pidOf('encoder-1')];
    await until(() => lines.some((l) => l.startsWith('supervising')), 'the supervisor to start');
    process.kill(encoder, 'SIGKILL');
    await until(() => pidOf('encoder-1') !== encoder, 'a new encoder-1');
    expect(isServiceAlive(pidOf('encoder-1'), good)).toBe(true);
    expect(pidOf('ingest')).toBe(ingest);
    expect(isServiceAlive(ingest, good)).toBe(true);
    expect(lines.filter((l) => !l.startsWith('supervising'))).toEqual([
      expect.stringMatching(
        new RegExp(`^encoder-1 \\(pid ${encoder}\\) is not running; restarting it in 0\\.1 s \\(restart 1\\)$`),
      ),
      `encoder-1 restarted (pid ${pidOf('encoder-1')}; log ${join(dir, 'logs', 'encoder-1.log')})`,
    ]);
  });

  it('waits longer before each restart of a service that keeps dying, then leaves it stopped and says so', async () => {
    dir = mkdtempSync(join(root, 'stack-'));
    const { lines } = supervise([
      await service('ingest', 'ingest', good),
      await service('encoder-1', 'encoder', broken),
    ]);
    const ingest = pidOf('ingest');
    await until(() => lines.some((l) => l.includes('leaving it stopped')), 'the supervisor to give up', 30_000);
    const delays = lines
      .map((l) => /^encoder-1 \(pid \d+\) is not running; restarting it in ([\d.]+) s \(restart (\d+)\)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [Number(m[2]), Number(m[1])]);
    expect(delays.map(([restart]) => restart)).toEqual([1, 2, 3]);
    // 0.1 s doubling up to 0.4 s, each within the ±20 % jitter
    delays.forEach(([restart, seconds]) => {
      const base = Math.min(0.4, 0.1 * 2 ** (restart - 1));
      expect(seconds).toBeGreaterThanOrEqual(base * 0.8 - 0.05);
      expect(seconds).toBeLessThanOrEqual(base * 1.2 + 0.05);
    });
    expect(lines.at(-1)).toMatch(
      /^encoder-1 \(pid \d+\) is not running and exited 3 times in a row within 60 s of its start: leaving it stopped; see .*encoder-1\.log, then run `audio-concepts stack up`$/,
    );
    const restarts = lines.filter((l) => l.startsWith('encoder-1 restarted')).length;
    await sleep(500); // five polls: nothing more is tried
    expect(lines.filter((l) => l.startsWith('encoder-1 restarted')).length).toBe(restarts);
    expect(pidOf('ingest')).toBe(ingest);
  }, 40_000);

  it('stops when the stack is taken down (no state file)', async () => {
    dir = mkdtempSync(join(root, 'stack-'));
    const { lines, done } = supervise([await service('ingest', 'ingest', good)]);
    await until(() => lines.some((l) => l.startsWith('supervising')), 'the supervisor to start');
    process.kill(pidOf('ingest'), 'SIGKILL');
    removeState(dir);
    await done;
    expect(lines.at(-1)).toBe('the stack is down (no state file): stopping');
  });
});
