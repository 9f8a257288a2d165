import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { launchService } from '@audio-concepts/platform-launcher';
import { UsageError } from '../cli-error';
import { parsePositiveInt, parsePositiveNumber } from '../options';
import { defaultBrokers, parseBrokers } from './kafka-options';
import { localBroker, localKafka } from './local-kafka';
import { serviceEnv, stackLayout, type StackService } from './stack.layout';
import { anyReachable, httpStatus, isServiceAlive, logTail, portInUse, sleep, terminate } from './stack.processes';
import { readState, REPO_ROOT, removeState, stackDir, stateFile, writeState, type StackState } from './stack.state';

/** The stack did not come up, or is not (all) ready. */
export class StackError extends AudioConceptsError {}

interface UpOptions {
  port: number;
  grpcPort: number;
  encoders: number;
  decomposers: number;
  model?: string;
  device?: string;
  token?: string;
  brokers?: string[];
  timeout: number;
}

const HOST = '127.0.0.1';
const say = (message: string) => process.stderr.write(`stack: ${message}\n`);

export function stackCommand(): Command {
  const stack = new Command('stack').description(
    'Run the pipeline on this machine as services over Kafka (ingest → encoders → decomposers), in the ' +
      'background; state and logs in <repo>/.stack/ ($AUDIO_CONCEPTS_STACK_DIR)',
  );
  const up = new Command('up')
    .description('start the local Kafka broker and the services, wait until all are ready, print where they are')
    .option('--port <N>', "ingest's HTTP port; the encoders and decomposers take the next ones", parsePort, 8080)
    .option('--grpc-port <N>', "the first decomposer's gRPC port", parsePort, 50051)
    .option(
      '--encoders <N>',
      'encoder processes (one per GPU; at most the partitions of audio.windows.v1)',
      parsePositiveInt,
      1,
    )
    .option('--decomposers <N>', 'decomposer processes', parsePositiveInt, 1)
    .option('--model <DIR>', 'CLAP model directory for the encoders and decomposers (default: the demo model)')
    .addOption(
      new Option('--device <D>', "the encoders' execution provider (default: auto)").choices(['auto', 'cpu', 'cuda']),
    )
    .option('--token <T>', "ingest's bearer token (default: the running stack's, else a new random one)")
    .option(
      '--brokers <LIST>',
      'use these Kafka brokers instead of starting the local one (deploy/local/kafka.sh)',
      parseBrokers,
    )
    .option('--timeout <S>', 'seconds to wait for the services to be ready', parsePositiveNumber, 180)
    .action(async (options: UpOptions) => stackUp(options));
  const down = new Command('down')
    .description('stop the services (SIGTERM, then SIGKILL after --grace) and the local Kafka broker')
    .option('--keep-kafka', 'leave the Kafka broker running')
    .option('--grace <S>', 'seconds each service gets to finish its batch before SIGKILL', parsePositiveNumber, 20)
    .action(async (options: { keepKafka?: boolean; grace: number }) => stackDown(options));
  const status = new Command('status')
    .description('show each service (pid, alive, /readyz, URL) and Kafka; exit 0 when all are ready, 1 otherwise')
    .option('--json', 'one JSON object')
    .action(async (options: { json?: boolean }) => stackStatus(options));
  for (const command of [up, down, status]) stack.addCommand(command.exitOverride());
  return stack;
}

async function stackUp(options: UpOptions): Promise<void> {
  const dir = stackDir();
  const previous = readState(dir);
  if (previous) {
    const dead = previous.services.filter((s) => !isServiceAlive(s.pid, s.script));
    if (dead.length === 0) {
      say(`already up since ${previous.startedAt} (${shortPath(stateFile(dir))})`);
      await waitReady(
        previous.services.map((s) => ({ service: s, running: () => isServiceAlive(s.pid, s.script) })),
        options.timeout,
      );
      printInfo(previous, dir);
      return;
    }
    say(`${dead.map((s) => s.name).join(', ')} not running any more: restarting the stack`);
    await stopServices(previous.services, 20);
    removeState(dir);
  }

  const brokers = options.brokers ?? defaultBrokers();
  const kafka = brokers.length === 1 && brokers[0] === localBroker() ? 'local' : 'external';
  const services = stackLayout({
    root: REPO_ROOT,
    stackDir: dir,
    host: HOST,
    port: options.port,
    grpcPort: options.grpcPort,
    encoders: options.encoders,
    decomposers: options.decomposers,
  });
  await checkCanStart(services);
  if (kafka === 'local') localKafka(REPO_ROOT, 'start');
  else if (!(await anyReachable(brokers, 5_000)))
    throw new StackError(`no Kafka broker answers at ${brokers.join(',')}`);

  const token = options.token ?? previous?.token ?? randomBytes(24).toString('base64url');
  const started = new Date().toISOString();
  const launched = services.map((service) => {
    mkdirSync(dirname(service.logFile), { recursive: true });
    appendFileSync(service.logFile, `----- stack up ${started} -----\n`);
    const child = launchService({
      name: service.name,
      script: service.script,
      env: serviceEnv(service, { brokers, token, modelDir: options.model, device: options.device }),
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
      options.timeout,
    );
  } catch (error) {
    await Promise.all(launched.map(({ child }) => child.stop(5_000)));
    removeState(dir);
    throw error;
  }
  printInfo(state, dir);
}

/** Scripts built and ports free, before anything starts: one clear error instead of a service dying. */
async function checkCanStart(services: StackService[]): Promise<void> {
  for (const service of services)
    if (!existsSync(service.script))
      throw new UsageError(`${relative(REPO_ROOT, service.script)} is missing; run \`npm run build\` in the repo root`);
  for (const service of services)
    for (const [port, what] of [
      [service.port, 'HTTP'],
      [service.grpcPort, 'gRPC'],
    ] as const)
      if (port !== undefined && (await portInUse(service.host, port)))
        throw new UsageError(
          `port ${port} (${service.name} ${what}) is already in use; stop what uses it, or pick other ports with --port/--grpc-port`,
        );
}

interface Waiting {
  service: StackService;
  running(): boolean;
}

/** Polls every /readyz until 200, saying on stderr as each becomes ready; fails with the log of one that exits. */
async function waitReady(waiting: Waiting[], timeoutS: number): Promise<void> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutS * 1000;
  const pending = new Set(waiting);
  let lastNote = startedAt;
  while (pending.size > 0) {
    for (const item of [...pending]) {
      const { service } = item;
      if (!item.running()) failWithLog(service, 'exited before it was ready');
      if ((await httpStatus(service.readyUrl)) === 200) {
        pending.delete(item);
        say(`${service.name} ready (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      failWithLog([...pending][0].service, `was not ready at ${[...pending][0].service.readyUrl} within ${timeoutS} s`);
    if (Date.now() - lastNote > 15_000) {
      lastNote = Date.now();
      say(`still waiting for ${[...pending].map((p) => p.service.name).join(', ')}`);
    }
    await sleep(250);
  }
}

function failWithLog(service: StackService, what: string): never {
  const tail = logTail(service.logFile, 15);
  if (tail) process.stderr.write(`--- last lines of ${service.logFile} ---\n${tail}\n---\n`);
  throw new StackError(`${service.name} ${what}; its log: ${service.logFile}`);
}

function printInfo(state: StackState, dir: string): void {
  const ingest = state.services.find((s) => s.kind === 'ingest');
  const decomposer = state.services.find((s) => s.grpcPort !== undefined);
  const width = Math.max(...state.services.map((s) => s.name.length));
  const lines = [
    `stack up since ${state.startedAt} (state: ${stateFile(dir)})`,
    ...state.services.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${s.url}  pid ${s.pid}${s.grpcPort === undefined ? '' : `  gRPC ${s.host}:${s.grpcPort}`}`,
    ),
    `kafka:    ${state.brokers.join(',')}${state.kafka === 'local' ? ' (deploy/local/kafka.sh)' : ''}`,
    `ingest:   ${ingest?.url}/v1/streams/{id}/audio (POST audio), ${ingest?.url.replace('http', 'ws')}/v1/streams/{id} (WebSocket)`,
    `token:    ${state.token}`,
    `metrics:  ${state.services.map((s) => s.metricsUrl).join(' ')}`,
    `gRPC:     ${decomposer ? `${decomposer.host}:${decomposer.grpcPort}` : '-'}`,
    'try:',
    `  curl -sS -H 'Authorization: Bearer ${state.token}' -H 'Content-Type: audio/wav' --data-binary @examples/audio/siren-then-beeps.wav ${ingest?.url}/v1/streams/demo/audio`,
    '  ./bin/audio-concepts tail --stream demo --from-beginning',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function stackDown(options: { keepKafka?: boolean; grace: number }): Promise<void> {
  const dir = stackDir();
  const state = readState(dir);
  if (!state) say(`not up (no ${stateFile(dir)})`);
  else await stopServices(state.services, options.grace);
  if (!options.keepKafka && (state?.kafka ?? 'local') === 'local') localKafka(REPO_ROOT, 'stop');
  removeState(dir);
}

/** Ingest first (no new audio comes in), then the encoders and decomposers together. */
async function stopServices(services: StackState['services'], graceS: number): Promise<void> {
  const stop = async (s: StackState['services'][number]) => {
    const how = await terminate(s.pid, s.script, graceS * 1000);
    say(`${s.name} (pid ${s.pid}) ${how === 'gone' ? 'was not running' : how}`);
  };
  for (const s of services.filter((s) => s.kind === 'ingest')) await stop(s);
  await Promise.all(services.filter((s) => s.kind !== 'ingest').map(stop));
}

async function stackStatus(options: { json?: boolean }): Promise<void> {
  const dir = stackDir();
  const state = readState(dir);
  const brokers = state?.brokers ?? defaultBrokers();
  const kafkaUp = await anyReachable(brokers);
  const services = await Promise.all(
    (state?.services ?? []).map(async (s) => {
      const alive = isServiceAlive(s.pid, s.script);
      return { service: s, alive, ready: alive ? await httpStatus(s.readyUrl) : undefined };
    }),
  );
  const notReady = [
    ...services
      .filter((s) => s.ready !== 200)
      .map((s) => `${s.service.name} (${s.alive ? `/readyz ${s.ready ?? 'no answer'}` : 'not running'})`),
    ...(kafkaUp ? [] : [`kafka (${brokers.join(',')} does not answer)`]),
  ];
  if (options.json) {
    const report = {
      up: state !== undefined,
      ready: state !== undefined && notReady.length === 0,
      started_at: state?.startedAt ?? null,
      kafka: { brokers, managed: state?.kafka ?? null, reachable: kafkaUp },
      services: services.map(({ service: s, alive, ready }) => ({
        name: s.name,
        kind: s.kind,
        pid: s.pid,
        alive,
        readyz: ready ?? null,
        url: s.url,
        metrics_url: s.metricsUrl,
        ...(s.grpcPort === undefined ? {} : { grpc: `${s.host}:${s.grpcPort}` }),
        log: s.logFile,
      })),
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const rows = [
      ['SERVICE', 'PID', 'ALIVE', 'READYZ', 'URL'],
      ...services.map(({ service: s, alive, ready }) => [
        s.name,
        String(s.pid),
        alive ? 'yes' : 'no',
        ready === undefined ? '-' : String(ready),
        `${s.url}${s.grpcPort === undefined ? '' : `  gRPC ${s.host}:${s.grpcPort}`}`,
      ]),
      ['kafka', '-', kafkaUp ? 'yes' : 'no', '-', `${brokers.join(',')}${state?.kafka === 'local' ? ' (local)' : ''}`],
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
      );
  }
  if (!state) throw new StackError(`the stack is not up (no ${stateFile(dir)}); run \`audio-concepts stack up\``);
  if (notReady.length > 0) throw new StackError(`not ready: ${notReady.join(', ')}`);
}

/** A path relative to the working directory when it is inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65_535)
    throw new InvalidArgumentError(`expected a port number 1–65535, got '${value}'`);
  return port;
}
