import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { localBroker, localKafka } from './local-kafka';
import { spawnNode, type LaunchedService } from './service.launcher';
import { StackCannotStartError, StackError, type Say } from './stack.errors';
import { stopServices } from './stack.down';
import { launchStackService } from './stack.launch';
import {
  extraEncoders,
  sortServices,
  stackLayout,
  TOKEN_KINDS,
  type StackEnv,
  type StackLayoutOptions,
  type StackService,
} from './stack.layout';
import { withLock } from './stack.lock';
import { anyReachable, isServiceAlive, portInUse } from './stack.processes';
import {
  makeStackDir,
  readState,
  stackEnvOf,
  readToken,
  removeState,
  stateFile,
  writeState,
  writeToken,
  type StackState,
} from './stack.state';
import { waitReady, type Waiting } from './stack.wait';

/**
 * Where the services go (`stackLayout`; `stackDir` holds the state file, the token and the logs) and what they are
 * given (`serviceEnv`). Only the local broker (`localBroker()`) is started, with deploy/local/kafka.sh; other
 * `brokers` must answer.
 */
export interface StackUpOptions extends Omit<StackLayoutOptions, 'encoders'>, Omit<StackEnv, 'token'> {
  /**
   * encoder processes: on a fresh stack, how many to start (default 1); on a running one, how many it should have —
   * encoders are added (on new ports) or the highest-numbered stopped gracefully (they finish their batch, commit and
   * leave the group, whose partitions the others take over); absent: as many as run now
   */
  encoders?: number;
  /** the stack's bearer token; default: the running stack's, else the stored one (`tokenFile`), else a new one */
  token?: string;
  /** make a new token even though one is stored (ignored when `token` is given) */
  newToken?: boolean;
  /** how long to wait for every /readyz */
  timeoutS: number;
  /** the supervisor's command (`node <script> …args`), started once the stack is ready; none when absent */
  supervisor?: { script: string; args: string[] };
  say: Say;
}

/** Seconds a service gets to stop when `stack up` restarts it (a new token) or gives up waiting for it. */
const RESTART_GRACE_S = 20;
const ABANDON_GRACE_S = 5;

/** A new token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What one `stack up` started, and what it waits for. */
interface Plan {
  state: StackState;
  launched: { service: StackService; child: LaunchedService }[];
  waiting: Waiting[];
  /** true when nothing of the stack ran before: a failure then stops everything */
  fresh: boolean;
}

/**
 * `stack up`: starts the Kafka broker (when local) and the services as detached processes, writes the state
 * file, waits until every /readyz answers 200, then starts the supervisor (which restarts a service that dies).
 * On a stack already up it starts only what is not running (and says which), and restarts the services that use
 * the token when the token changes; a stack with everything running is only waited for (`alreadyUp`). When a
 * service it started exits or is not ready in time, what it started is stopped and a `StackError` carries the end
 * of its log.
 */
export async function stackUp(options: StackUpOptions): Promise<{ state: StackState; alreadyUp: boolean }> {
  const { stackDir: dir, say } = options;
  makeStackDir(dir);
  const plan = await withLock(dir, async () => {
    const previous = readState(dir);
    return previous ? await resume(previous, options) : await startFresh(options);
  });
  try {
    await waitReady(plan.waiting, options.timeoutS, say);
  } catch (error) {
    await withLock(dir, async () => {
      await Promise.all(plan.launched.map(({ child }) => child.stop(ABANDON_GRACE_S * 1000)));
      if (plan.fresh) removeState(dir);
    });
    throw error;
  }
  const state = options.supervisor ? await ensureSupervisor(dir, options.supervisor, say) : plan.state;
  return { state: state ?? plan.state, alreadyUp: plan.launched.length === 0 };
}

/** Nothing of the stack runs: checks, the broker, then every service. */
async function startFresh(options: StackUpOptions): Promise<Plan> {
  const { root, stackDir: dir, brokers, say } = options;
  const kafka = brokers.length === 1 && brokers[0] === localBroker() ? 'local' : 'external';
  const services = stackLayout({ ...options, encoders: options.encoders ?? 1 });
  await checkCanStart(services, root);
  if (kafka === 'local') localKafka(root, 'start');
  else if (!(await anyReachable(brokers, 5_000)))
    throw new StackError(`no Kafka broker answers at ${brokers.join(',')}`);

  const token = chooseToken(options, readToken(dir));
  const { modelDir, conceptSpace, device, encoderCores } = options;
  const env: StackEnv = { brokers, token, modelDir, conceptSpace, device, encoderCores };
  const launched = services.map((service) => ({ service, child: launchStackService(service, env, 'stack up') }));
  const state: StackState = {
    version: 1,
    startedAt: new Date().toISOString(),
    token,
    brokers,
    kafka,
    env: { modelDir, conceptSpace, device, encoderCores },
    services: launched.map(({ service, child }) => ({ ...service, pid: child.pid })),
  };
  // Written before waiting, so that `stack down` can stop what an interrupted `stack up` left running.
  writeToken(dir, token);
  writeState(dir, state);
  say(
    `started ${services.map((s) => s.name).join(', ')}; waiting until they are ready (logs: ${shortPath(dirname(services[0].logFile))}/)`,
  );
  const waiting = launched.map(({ service, child }) => ({ service, running: () => child.running, announce: true }));
  return { state, launched, waiting, fresh: true };
}

/**
 * A stack is up (in part): starts the services that are not running, with the ports and environment they had,
 * restarts those that use the token when it changes, and adds or removes encoders to reach `options.encoders`.
 * The others keep running, untouched.
 */
async function resume(previous: StackState, options: StackUpOptions): Promise<Plan> {
  const { root, stackDir: dir, say } = options;
  const token = chooseToken(options, previous.token);
  const alive = (s: StackService & { pid: number }) => isServiceAlive(s.pid, s.script);
  const { removed, added } = scaleEncoders(previous, options);
  const kept = previous.services.filter((s) => !removed.includes(s));
  const dead = kept.filter((s) => !alive(s));
  const rekeyed = token === previous.token ? [] : kept.filter((s) => alive(s) && TOKEN_KINDS.includes(s.kind));
  noteLayout(previous, options);
  if (dead.length === 0 && rekeyed.length === 0 && removed.length === 0 && added.length === 0) {
    say(`already up since ${previous.startedAt} (${shortPath(stateFile(dir))})`);
    const waiting = previous.services.map((service) => ({ service, running: () => alive(service), announce: false }));
    return { state: previous, launched: [], waiting, fresh: false };
  }
  if (removed.length > 0) {
    say(
      `encoders ${encoderCount(previous.services)} → ${options.encoders}: stopping ${names(removed)} (each finishes ` +
        'its batch, commits and leaves the group; the others take over its partitions)',
    );
    await stopServices(removed, RESTART_GRACE_S, say);
    // gone from the state at once, so that nothing (the supervisor included) starts them again if what follows fails
    writeState(dir, { ...previous, services: previous.services.filter((s) => !removed.includes(s)) });
  }
  const running = kept.filter((s) => alive(s));
  if (dead.length > 0)
    say(
      `restarting ${names(dead)} (not running)` +
        (running.length > 0 ? `; ${names(running)} ${running.length === 1 ? 'is' : 'are'} running` : ''),
    );
  if (rekeyed.length > 0) {
    say(`new token: restarting ${names(rekeyed)}`);
    await stopServices(rekeyed, RESTART_GRACE_S, say);
  }
  if (added.length > 0)
    say(
      `encoders ${encoderCount(previous.services)} → ${options.encoders}: starting ${names(added)}` +
        (added[0].cpus === undefined ? '' : ` (pinned to CPUs ${added.map((s) => s.cpus).join(' / ')})`),
    );
  const restart: StackService[] = [...kept.filter((s) => dead.includes(s) || rekeyed.includes(s)), ...added];
  await checkCanStart([...dead, ...added], root);
  if (previous.kafka === 'local' && !(await anyReachable(previous.brokers))) localKafka(root, 'start');
  const env: StackEnv = {
    ...stackEnvOf(previous),
    ...(previous.env ? {} : { modelDir: options.modelDir, conceptSpace: options.conceptSpace, device: options.device }),
    token,
  };
  const launched = restart.map((service) => ({ service, child: launchStackService(service, env, 'stack up') }));
  const pidOf = new Map(launched.map(({ service, child }) => [service.name, child.pid]));
  const state: StackState = {
    ...previous,
    token,
    env: previous.env ?? { modelDir: env.modelDir, conceptSpace: env.conceptSpace, device: env.device },
    services: sortServices([
      ...kept.map((s) => ({ ...s, pid: pidOf.get(s.name) ?? s.pid })),
      ...added.map((s) => ({ ...s, pid: pidOf.get(s.name) ?? -1 })),
    ]),
  };
  writeToken(dir, token);
  writeState(dir, state);
  const waiting = state.services.map((service) => {
    const child = launched.find((l) => l.service.name === service.name)?.child;
    return child
      ? { service, running: () => child.running, announce: true }
      : { service, running: () => alive(service), announce: false };
  });
  return { state, launched, waiting, fresh: false };
}

/** The encoders to stop (the highest-numbered) and to start so that the stack has `options.encoders` of them. */
function scaleEncoders(
  previous: StackState,
  options: StackUpOptions,
): { removed: StackState['services']; added: StackService[] } {
  const wanted = options.encoders;
  const encoders = previous.services.filter((s) => s.kind === 'encoder');
  if (wanted === undefined || wanted === encoders.length) return { removed: [], added: [] };
  const index = (s: StackService) => Number(s.name.slice('encoder-'.length));
  const removed = encoders.filter((s) => index(s) > wanted);
  const kept = previous.services.filter((s) => !removed.includes(s));
  const added = extraEncoders(kept, wanted, {
    root: options.root,
    stackDir: options.stackDir,
    host: options.host,
    encoderCores: previous.env?.encoderCores,
    cores: options.cores,
  });
  return { removed, added };
}

function encoderCount(services: readonly StackService[]): number {
  return services.filter((s) => s.kind === 'encoder').length;
}

/** The token to use: the one given, a new one when asked, else `current` (the running or stored one), else new. */
function chooseToken(options: StackUpOptions, current: string | undefined): string {
  if (options.token !== undefined) return options.token;
  if (options.newToken) return newToken();
  return current ?? newToken();
}

/** Starts the supervisor unless one runs; returns the state that names it. */
async function ensureSupervisor(
  dir: string,
  command: { script: string; args: string[] },
  say: Say,
): Promise<StackState | undefined> {
  return withLock(dir, () => {
    const state = readState(dir);
    if (!state) return undefined;
    const current = state.supervisor;
    if (current && isServiceAlive(current.pid, current.script)) return state;
    const logFile = join(dir, 'logs', 'supervisor.log');
    // Started while holding the lock, which it takes before its first look at the state: it finds itself there.
    const child = spawnNode({ script: command.script, args: command.args, logFile, detached: true });
    if (child.pid === undefined) throw new StackError(`cannot start the supervisor (${command.script})`);
    const next: StackState = { ...state, supervisor: { pid: child.pid, script: command.script, logFile } };
    writeState(dir, next);
    say(
      `supervisor started (pid ${child.pid}): it restarts a service that dies (log: ${shortPath(logFile)})` +
        (current ? `; the previous one (pid ${current.pid}) was not running` : ''),
    );
    return next;
  });
}

/**
 * Says so when the running stack was laid out otherwise than asked now (its encoders aside, which `stack up` adds and
 * removes): that layout stays until `stack down`.
 */
function noteLayout(previous: StackState, options: StackUpOptions): void {
  const shape = (services: StackService[]) =>
    JSON.stringify(services.filter((s) => s.kind !== 'encoder').map((s) => [s.name, s.port, s.grpcPort]));
  const asked = stackLayout({ ...options, encoders: encoderCount(previous.services) });
  if (shape(previous.services) !== shape(asked))
    options.say(
      'the running stack has other services or ports than asked; it keeps them (run `stack down` first to change them)',
    );
  if (options.encoderCores !== previous.env?.encoderCores && options.encoderCores !== undefined)
    options.say(
      `the running stack pins its encoders to ${previous.env?.encoderCores ?? 'no'} cores each; it keeps that (run \`stack down\` first to change it)`,
    );
}

/** Scripts built and ports free, before anything starts: one clear error instead of a service dying. */
async function checkCanStart(services: StackService[], root: string): Promise<void> {
  if (services.some((s) => s.cpus !== undefined) && spawnSync('taskset', ['--version']).status !== 0)
    throw new StackCannotStartError(
      'pinning encoders to cores (--encoder-cores) needs taskset (Linux, util-linux), which does not run here',
    );
  for (const service of services)
    if (!existsSync(service.script))
      throw new StackCannotStartError(
        `${relative(root, service.script)} is missing; run \`npm run build\` in the repo root`,
      );
  for (const service of services)
    for (const [port, what] of [
      [service.port, 'HTTP'],
      [service.grpcPort, 'gRPC'],
    ] as const)
      if (port !== undefined && (await portInUse(service.host, port)))
        throw new StackCannotStartError(
          `port ${port} (${service.name} ${what}) is already in use; stop what uses it, or pick other ports with --port/--grpc-port`,
        );
}

const names = (services: StackService[]) => services.map((s) => s.name).join(', ');

/** A path relative to the working directory when it is inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
