import { backoffDelayMs, sleep } from '@audio-concepts/platform-retry';
import { launchStackService } from './stack.launch';
import { isServiceAlive } from './stack.processes';
import { tryLock, withLock } from './stack.lock';
import { readState, stackEnvOf, writeState } from './stack.state';

/** How the supervisor restarts a service that died. */
export interface RestartPolicy {
  /** the delay before the first restart, doubling (with jitter) for each quick exit after it … */
  initialMs: number;
  /** … up to this */
  maxMs: number;
  /** a restarted service that has run this long is well again: its next restart waits `initialMs` */
  stableMs: number;
  /** quick exits in a row after which it is left stopped (and said so); `stack up` starts it again */
  giveUpAfter: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialMs: 1_000,
  maxMs: 60_000,
  stableMs: 60_000,
  giveUpAfter: 10,
};

export interface SuperviseOptions {
  dir: string;
  say: (message: string) => void;
  policy?: RestartPolicy;
  /** how often every service's process is checked */
  pollMs?: number;
  /** stops the loop */
  signal?: AbortSignal;
}

/** What the supervisor knows of one service: the process it last saw, and its quick exits so far. */
interface Watched {
  pid: number;
  /** restarts whose process has not yet run `stableMs` */
  quickExits: number;
  startedAt: number;
  /** when it will be restarted; undefined while it runs */
  restartAt?: number;
  gaveUp?: boolean;
}

/**
 * The supervisor (`audio-concepts stack supervise`, started by `stack up`): checks each service of the stack's
 * state every `pollMs` and restarts one that is not running, alone, with its own ports and environment, after a
 * backoff (`RestartPolicy`). A service that someone else restarted (a new pid in the state) starts over. Returns
 * when `signal` aborts, when the stack is down (no state) or when the state names another supervisor.
 */
export async function superviseStack(options: SuperviseOptions): Promise<void> {
  const { dir, say, signal } = options;
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const watched = new Map<string, Watched>();
  // `stack up` starts it holding the lock, and names it in the state before letting go.
  await withLock(dir, () => undefined);
  say(`supervising the stack in ${dir} (pid ${process.pid})`);
  while (!signal?.aborted) {
    const state = readState(dir);
    if (!state) return say('the stack is down (no state file): stopping');
    if (state.supervisor?.pid !== process.pid)
      return say(`the state names another supervisor (pid ${state.supervisor?.pid ?? 'none'}): stopping`);
    const now = Date.now();
    for (const service of state.services) {
      let entry = watched.get(service.name);
      if (!entry || entry.pid !== service.pid) {
        entry = { pid: service.pid, quickExits: 0, startedAt: now };
        watched.set(service.name, entry);
      }
      if (isServiceAlive(service.pid, service.script)) {
        if (entry.quickExits > 0 && now - entry.startedAt >= policy.stableMs) entry.quickExits = 0;
        continue;
      }
      if (entry.gaveUp) continue;
      if (entry.restartAt === undefined) {
        if (entry.quickExits >= policy.giveUpAfter) {
          entry.gaveUp = true;
          say(
            `${service.name} (pid ${service.pid}) is not running and exited ${entry.quickExits} times in a row ` +
              `within ${policy.stableMs / 1000} s of its start: leaving it stopped; see ${service.logFile}, ` +
              'then run `audio-concepts stack up`',
          );
          continue;
        }
        const delayMs = backoffDelayMs(entry.quickExits + 1, policy.initialMs, policy.maxMs);
        entry.restartAt = now + delayMs;
        say(
          `${service.name} (pid ${service.pid}) is not running; restarting it in ${(delayMs / 1000).toFixed(1)} s ` +
            `(restart ${entry.quickExits + 1})`,
        );
      }
      if (now >= entry.restartAt) restart(dir, service.name, entry, say);
    }
    await sleep(options.pollMs ?? 500);
  }
  say('stopping (asked to)');
}

/** Restarts `name` holding the lock, unless someone else restarted it meanwhile; tries again later when busy. */
function restart(dir: string, name: string, entry: Watched, say: (message: string) => void): void {
  const release = tryLock(dir);
  if (!release) return; // a `stack up` or `stack down` is at work: look again next time
  try {
    const state = readState(dir);
    const service = state?.services.find((s) => s.name === name);
    if (!state || !service || service.pid !== entry.pid) return; // stopped, or restarted by someone else
    const child = launchStackService(service, stackEnvOf(state), `restart ${entry.quickExits + 1} by the supervisor`);
    writeState(dir, {
      ...state,
      services: state.services.map((s) => (s.name === name ? { ...s, pid: child.pid } : s)),
    });
    Object.assign(entry, { pid: child.pid, quickExits: entry.quickExits + 1, startedAt: Date.now() });
    entry.restartAt = undefined;
    say(`${name} restarted (pid ${child.pid}; log ${service.logFile})`);
  } finally {
    release();
  }
}
