import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { sleep } from '@audio-concepts/platform-retry';
import { localBroker, localKafka } from './local-kafka';
import { launchService } from './service.launcher';
import { serviceEnv, stackLayout, type StackEnv, type StackLayoutOptions, type StackService } from './stack.layout';
import { anyReachable, httpStatus, isServiceAlive, logTail, portInUse, terminate } from './stack.processes';
import { readState, removeState, stateFile, writeState, type StackState } from './stack.state';

/** The stack did not come up, or is not (all) ready. `log` is the end of the log of the service at fault. */
export class StackError extends AudioConceptsError {
  constructor(
    message: string,
    readonly log?: { file: string; tail: string },
  ) {
    super(message);
  }
}

/** Something the user must fix before the stack can start: a service not built, a port in use. */
export class StackCannotStartError extends AudioConceptsError {}

/** Progress lines (`stack up` prints them on stderr). */
export type Say = (message: string) => void;

/**
 * Where the services go (`stackLayout`; `stackDir` holds the state file and logs) and what they are given
 * (`serviceEnv`). Only the local broker (`localBroker()`) is started, with deploy/local/kafka.sh; other
 * `brokers` must answer.
 */
export interface StackUpOptions extends StackLayoutOptions, Omit<StackEnv, 'token'> {
  /** ingest's bearer token; default: the previous stack's, else a new random one */
  token?: string;
  /** how long to wait for every /readyz */
  timeoutS: number;
  say: Say;
}

/** Seconds a service of a stack found half dead gets to stop before `stack up` starts a new one. */
const RESTART_GRACE_S = 20;
/** Seconds each service gets to stop when `stack up` gives up waiting. */
const ABANDON_GRACE_S = 5;
/** How often `waitReady` polls each /readyz, and how often it says what it still waits for. */
const POLL_MS = 250;
const NOTE_EVERY_MS = 15_000;

/**
 * `stack up`: starts the Kafka broker (when local) and the services as detached processes, writes the state
 * file, and waits until every /readyz answers 200. A stack already up is only waited for (`alreadyUp`); one
 * with a dead service is stopped and started again. When a service exits or is not ready in time, everything
 * started is stopped and a `StackError` carries the end of its log.
 */
export async function stackUp(options: StackUpOptions): Promise<{ state: StackState; alreadyUp: boolean }> {
  const { root, stackDir: dir, say } = options;
  const previous = readState(dir);
  if (previous) {
    const dead = previous.services.filter((s) => !isServiceAlive(s.pid, s.script));
    if (dead.length === 0) {
      say(`already up since ${previous.startedAt} (${shortPath(stateFile(dir))})`);
      await waitReady(
        previous.services.map((s) => ({ service: s, running: () => isServiceAlive(s.pid, s.script) })),
        options.timeoutS,
        say,
      );
      return { state: previous, alreadyUp: true };
    }
    say(`${dead.map((s) => s.name).join(', ')} not running any more: restarting the stack`);
    await stopServices(previous.services, RESTART_GRACE_S, say);
    removeState(dir);
  }

  const { brokers } = options;
  const kafka = brokers.length === 1 && brokers[0] === localBroker() ? 'local' : 'external';
  const services = stackLayout(options);
  await checkCanStart(services, root);
  if (kafka === 'local') localKafka(root, 'start');
  else if (!(await anyReachable(brokers, 5_000)))
    throw new StackError(`no Kafka broker answers at ${brokers.join(',')}`);

  const token = options.token ?? previous?.token ?? randomBytes(24).toString('base64url');
  const started = new Date().toISOString();
  const { modelDir, conceptSpace, device } = options;
  const env: StackEnv = { brokers, token, modelDir, conceptSpace, device };
  const launched = services.map((service) => {
    mkdirSync(dirname(service.logFile), { recursive: true });
    appendFileSync(service.logFile, `----- stack up ${started} -----\n`);
    const child = launchService({
      name: service.name,
      script: service.script,
      env: serviceEnv(service, env),
      logFile: service.logFile,
      readyUrl: service.readyUrl,
      detached: true,
    });
    return { service, child };
  });
  const state: StackState = {
    version: 1,
    startedAt: started,
    token,
    brokers,
    kafka,
    services: launched.map(({ service, child }) => ({ ...service, pid: child.pid })),
  };
  // Written before waiting, so that `stack down` can stop what an interrupted `stack up` left running.
  writeState(dir, state);
  say(
    `started ${services.map((s) => s.name).join(', ')}; waiting until they are ready (logs: ${shortPath(dirname(services[0].logFile))}/)`,
  );
  try {
    await waitReady(
      launched.map(({ service, child }) => ({ service, running: () => child.running })),
      options.timeoutS,
      say,
    );
  } catch (error) {
    await Promise.all(launched.map(({ child }) => child.stop(ABANDON_GRACE_S * 1000)));
    removeState(dir);
    throw error;
  }
  return { state, alreadyUp: false };
}

/** `stack down`: stops the services (SIGTERM, SIGKILL after `graceS`), then the local broker unless `keepKafka`. */
export async function stackDown(options: {
  root: string;
  dir: string;
  graceS: number;
  keepKafka?: boolean;
  say: Say;
}): Promise<void> {
  const { root, dir, say } = options;
  const state = readState(dir);
  if (!state) say(`not up (no ${stateFile(dir)})`);
  else await stopServices(state.services, options.graceS, say);
  if (!options.keepKafka && (state?.kafka ?? 'local') === 'local') localKafka(root, 'stop');
  removeState(dir);
}

export interface ServiceStatus {
  service: StackState['services'][number];
  alive: boolean;
  /** the /readyz status; undefined when the process is gone or nothing answers */
  ready?: number;
}

export interface StackStatus {
  /** undefined when the stack is not up */
  state?: StackState;
  brokers: string[];
  kafkaReachable: boolean;
  services: ServiceStatus[];
  /** what is not ready, one phrase each: `encoder-1 (/readyz 503)`, `kafka (… does not answer)` */
  notReady: string[];
}

/** `stack status`: each service's process and /readyz, and whether Kafka answers (`brokers` when not up). */
export async function stackStatus(dir: string, brokersWhenNotUp: string[]): Promise<StackStatus> {
  const state = readState(dir);
  const brokers = state?.brokers ?? brokersWhenNotUp;
  const kafkaReachable = await anyReachable(brokers);
  const services = await Promise.all(
    (state?.services ?? []).map(async (service) => {
      const alive = isServiceAlive(service.pid, service.script);
      return { service, alive, ready: alive ? await httpStatus(service.readyUrl) : undefined };
    }),
  );
  const notReady = [
    ...services
      .filter((s) => s.ready !== 200)
      .map((s) => `${s.service.name} (${s.alive ? `/readyz ${s.ready ?? 'no answer'}` : 'not running'})`),
    ...(kafkaReachable ? [] : [`kafka (${brokers.join(',')} does not answer)`]),
  ];
  return { state, brokers, kafkaReachable, services, notReady };
}

/** Scripts built and ports free, before anything starts: one clear error instead of a service dying. */
async function checkCanStart(services: StackService[], root: string): Promise<void> {
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

interface Waiting {
  service: StackService;
  running(): boolean;
}

/** Polls every /readyz until 200, saying as each becomes ready; fails with the log of one that exits. */
async function waitReady(waiting: Waiting[], timeoutS: number, say: Say): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutS * 1000;
  const pending = new Set(waiting);
  let lastNote = startedAt;
  while (pending.size > 0) {
    for (const item of [...pending]) {
      const { service } = item;
      if (!item.running()) throw failure(service, 'exited before it was ready');
      if ((await httpStatus(service.readyUrl)) === 200) {
        pending.delete(item);
        say(`${service.name} ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      }
    }
    if (pending.size === 0) break;
    const first = [...pending][0].service;
    if (Date.now() > deadline) throw failure(first, `was not ready at ${first.readyUrl} within ${timeoutS} s`);
    if (Date.now() - lastNote > NOTE_EVERY_MS) {
      lastNote = Date.now();
      say(`still waiting for ${[...pending].map((p) => p.service.name).join(', ')}`);
    }
    await sleep(POLL_MS);
  }
}

function failure(service: StackService, what: string): StackError {
  return new StackError(`${service.name} ${what}; its log: ${service.logFile}`, {
    file: service.logFile,
    tail: logTail(service.logFile, 15),
  });
}

/** Ingest first (no new audio comes in), then the encoders and decomposers together. */
async function stopServices(services: StackState['services'], graceS: number, say: Say): Promise<void> {
  const stop = async (s: StackState['services'][number]) => {
    const how = await terminate(s.pid, s.script, graceS * 1000);
    say(`${s.name} (pid ${s.pid}) ${how === 'gone' ? 'was not running' : how}`);
  };
  for (const s of services.filter((s) => s.kind === 'ingest')) await stop(s);
  await Promise.all(services.filter((s) => s.kind !== 'ingest').map(stop));
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
