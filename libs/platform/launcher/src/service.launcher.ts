import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { sleep } from '@audio-concepts/platform-retry';
import { httpStatus } from './stack.processes';

export interface LaunchOptions {
  /** a name for messages: ingest, encoder-1, … */
  name: string;
  /** the service's entry script (e.g. apps/encoder/dist/main.js), run with this Node.js */
  script: string;
  /** environment added to this process's */
  env?: Record<string, string>;
  /** where its stdout and stderr go (appended); default: inherited */
  logFile?: string;
  /** its readiness URL (`http://127.0.0.1:8081/readyz`), polled by `ready()` */
  readyUrl: string;
  /** detach it from this process (for `stack up`: it outlives the CLI) */
  detached?: boolean;
  /** pin it to these CPUs (a `taskset -c` list such as "0" or "2-3"; Linux, util-linux's taskset) */
  cpus?: string;
}

/** A service process started by `launchService`. */
export class LaunchedService {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly readyUrl: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves once `/readyz` answers 200; rejects if the process exits first or `timeoutMs` passes. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running)
        throw new AudioConceptsError(`${this.name} exited (code ${this.exitCode}) before it was ready`);
      if (await isReady(this.readyUrl)) return;
      await sleep(200);
    }
    throw new AudioConceptsError(`${this.name} was not ready at ${this.readyUrl} within ${timeoutMs / 1000} s`);
  }

  /** SIGTERM (graceful: the service finishes its batch and commits), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL at once: a crash, nothing flushed or committed. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts a service as a child Node.js process. */
export function launchService(options: LaunchOptions): LaunchedService {
  return new LaunchedService(options.name, spawnNode(options), options.readyUrl);
}

export interface SpawnNodeOptions {
  script: string;
  args?: string[];
  env?: Record<string, string>;
  logFile?: string;
  detached?: boolean;
  cpus?: string;
}

/**
 * `node script …args` with this Node.js, stdout and stderr appended to `logFile` (default: inherited); with `cpus`,
 * through `taskset -c cpus`, which execs Node.js pinned to them (the pid stays the service's).
 */
export function spawnNode(options: SpawnNodeOptions): ChildProcess {
  let stdio: ('ignore' | 'inherit' | number)[] = ['ignore', 'inherit', 'inherit'];
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    // A file descriptor of its own, so the child keeps writing after this process exits (detached services).
    const fd = openSync(options.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  const node = [process.execPath, options.script, ...(options.args ?? [])];
  const [command, ...args] = options.cpus === undefined ? node : ['taskset', '-c', options.cpus, ...node];
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio,
    detached: options.detached ?? false,
  });
  if (typeof stdio[1] === 'number') closeSync(stdio[1]);
  if (options.detached) child.unref();
  return child;
}

/** True when `url` answers 200. */
export async function isReady(url: string): Promise<boolean> {
  return (await httpStatus(url)) === 200;
}
