import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { sleep } from '@audio-concepts/platform-retry';

/**
 * True while `pid` runs `script`. Checking the command line guards against a pid reused by another
 * process after the service died; a zombie (exited, not yet reaped) counts as gone.
 */
export function isServiceAlive(pid: number, script: string): boolean {
  if (!isRunning(pid)) return false;
  if (!existsSync('/proc/self')) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script);
  } catch {
    return false;
  }
}

/** True while `pid` exists and has not exited (a zombie counts as exited), whatever it runs. */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (existsSync('/proc/self')) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM (the service drains and commits), then SIGKILL after `graceMs`. Resolves once it is gone. */
export async function terminate(pid: number, script: string, graceMs: number): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isServiceAlive(pid, script)) return 'gone';
  signal(pid, 'SIGTERM');
  if (await exited(pid, graceMs)) return 'stopped';
  signal(pid, 'SIGKILL');
  await exited(pid, 5_000);
  return 'killed';
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Waits for the process itself, not its command line: an exiting process loses its command line before it
 * ends, and `stack down` once returned while the supervisor was still exiting.
 */
async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await sleep(100);
  }
  return !isRunning(pid);
}

/** The HTTP status of `url` (e.g. /readyz: 200 or 503), undefined when nothing answers. */
export async function httpStatus(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/** True when something already listens on host:port (a service left over, or another program). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** True when a TCP connection to one of `brokers` (host:port) opens within `timeoutMs`. */
export async function anyReachable(brokers: string[], timeoutMs = 2_000): Promise<boolean> {
  const attempts = brokers.map(
    (broker) =>
      new Promise<boolean>((resolve) => {
        const at = broker.lastIndexOf(':');
        const socket = connect({ host: broker.slice(0, at), port: Number(broker.slice(at + 1)) });
        const done = (ok: boolean) => {
          socket.destroy();
          resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
      }),
  );
  return (await Promise.all(attempts)).some(Boolean);
}

/** The last `lines` lines of a log file ('' when it does not exist); reads only its last 64 KiB. */
export function logTail(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
