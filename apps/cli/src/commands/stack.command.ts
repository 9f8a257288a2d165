import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  StackCannotStartError,
  stackDir,
  stackDown,
  StackError,
  stackStatus,
  stackUp,
  readState,
  stateFile,
  superviseStack,
  tokenFile,
  type StackState,
  type StackStatus,
} from '@audio-concepts/platform-launcher';
import { UsageError } from '../cli-error';
import { clapModelDir } from '@audio-concepts/encoder-clap';
import { ensureStoredSpace } from '@audio-concepts/pipeline-embedded';
import { DEMO_MODEL_DIR, defaultCacheDir } from '@audio-concepts/shared-contracts';
import { parsePositiveInt, parsePositiveNumber } from '../options';
import { defaultBrokers, parseBrokers } from './kafka-options';
import { stackLagCommand } from './stack-lag.command';

/** The repo root (this file is apps/cli/{src,dist}/commands/…): the services and deploy/local are under it. */
const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
/** The command line's entry script, which `stack up` runs as `stack supervise`. */
const CLI_MAIN = resolve(__dirname, '..', 'main.js');

interface UpOptions {
  port: number;
  grpcPort: number;
  encoders?: number;
  encoderCores?: number;
  decomposers: number;
  model?: string;
  allowNetwork?: boolean;
  device?: string;
  token?: string;
  newToken?: boolean;
  brokers?: string[];
  timeout: number;
}

interface DownOptions {
  keepKafka?: boolean;
  forget?: boolean;
  grace: number;
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
      'encoder processes (one per GPU; at most the partitions of audio.windows.v1); default 1. On a running stack, ' +
        'encoders are added or the highest-numbered stopped gracefully, mid-stream (`stack lag` shows the effect)',
      parsePositiveInt,
    )
    .option(
      '--encoder-cores <K>',
      'pin each encoder to K cores of its own (taskset; encoder i gets cores (i-1)·K …), its onnxruntime threads = K',
      parsePositiveInt,
    )
    .option('--decomposers <N>', 'decomposer processes', parsePositiveInt, 1)
    .option(
      '--model <DIR|hub-id>',
      'CLAP model for the encoders and decomposers: a directory, or a hub id, whose copy in the model store ' +
        '(~/.cache/audio-concepts/models, fetched once with --allow-network) the services then load (default: the demo model)',
    )
    .option('--allow-network', 'download a hub-id model once into the model store (HTTPS_PROXY/HTTP_PROXY honoured)')
    .addOption(
      new Option('--device <D>', "the encoders' execution provider (default: auto)").choices(['auto', 'cpu', 'cuda']),
    )
    .option(
      '--token <T>',
      "the stack's bearer token, kept for the next `stack up` (default: the running or stored one, else a new random one)",
    )
    .option('--new-token', 'make a new random token (32 bytes) instead of the stored one')
    .option(
      '--brokers <LIST>',
      'use these Kafka brokers instead of starting the local one (deploy/local/kafka.sh)',
      parseBrokers,
    )
    .option('--timeout <S>', 'seconds to wait for the services to be ready', parsePositiveNumber, 180)
    .action(async (options: UpOptions) => runUp(options));
  const down = new Command('down')
    .description(
      'stop the supervisor, the services (SIGTERM, then SIGKILL after --grace) and the local Kafka broker; the token is kept',
    )
    .option('--keep-kafka', 'leave the Kafka broker running')
    .option('--forget', 'also forget the token: the next `stack up` makes a new one')
    .option('--grace <S>', 'seconds each service gets to finish its batch before SIGKILL', parsePositiveNumber, 20)
    .action(async (options: DownOptions) => runDown(options));
  const status = new Command('status')
    .description('show each service (pid, alive, /readyz, URL) and Kafka; exit 0 when all are ready, 1 otherwise')
    .option('--json', 'one JSON object')
    .action(async (options: { json?: boolean }) => runStatus(options));
  // Started by `stack up` in the background; not for people.
  const supervise = new Command('supervise')
    .description('restart the services of the stack that die, one at a time with backoff')
    .action(async () => runSupervise());
  for (const command of [up, down, status, stackLagCommand(REPO_ROOT)]) stack.addCommand(command.exitOverride());
  stack.addCommand(supervise.exitOverride(), { hidden: true });
  return stack;
}

async function runUp(options: UpOptions): Promise<void> {
  const dir = stackDir(REPO_ROOT);
  if (options.token !== undefined && options.newToken)
    throw new UsageError('--token and --new-token contradict each other; give one');
  try {
    const modelDir = await localModel(options);
    const running = readState(dir);
    // The decomposers load a stored space: built here once (both CLAP towers), found in the store afterwards. A
    // running stack keeps the model and space it was started with (services started now get them too).
    const conceptSpace =
      running?.env && options.model === undefined
        ? running.env.conceptSpace
        : (await storedSpace(modelDir)).dir;
    const { state } = await stackUp({
      root: REPO_ROOT,
      stackDir: dir,
      host: HOST,
      port: options.port,
      grpcPort: options.grpcPort,
      encoders: options.encoders,
      encoderCores: options.encoderCores,
      decomposers: options.decomposers,
      brokers: options.brokers ?? defaultBrokers(),
      token: options.token,
      newToken: options.newToken,
      modelDir,
      conceptSpace,
      device: options.device,
      timeoutS: options.timeout,
      supervisor: { script: CLI_MAIN, args: ['stack', 'supervise'] },
      say,
    });
    printInfo(state, dir);
  } catch (error) {
    if (error instanceof StackCannotStartError) throw new UsageError(error.message, { cause: error });
    if (error instanceof StackError && error.log?.tail)
      process.stderr.write(`--- last lines of ${error.log.file} ---\n${error.log.tail}\n---\n`);
    throw error;
  }
}

async function storedSpace(modelDir: string | undefined): Promise<{ dir: string }> {
  const space = await ensureStoredSpace({
    modelPath: modelDir ?? DEMO_MODEL_DIR,
    cacheDir: defaultCacheDir(),
    device: 'cpu',
    log: say,
  });
  say(`concept space ${space.id} (${space.dir})`);
  return space;
}

/**
 * The model directory the services get: `--model` itself, or for a hub id its copy in the model store, fetched
 * now (before any service starts) when --allow-network allows; undefined for the services' default, the demo model.
 */
async function localModel(options: UpOptions): Promise<string | undefined> {
  if (options.model === undefined || existsSync(options.model)) return options.model;
  const dir = await clapModelDir(options.model, {
    allowNetwork: options.allowNetwork,
    cacheDir: join(defaultCacheDir(), 'models'),
  });
  if (dir !== resolve(options.model)) say(`model ${options.model}: ${dir}`);
  return dir;
}

function printInfo(state: StackState, dir: string): void {
  const ingest = state.services.find((s) => s.kind === 'ingest');
  const decomposer = state.services.find((s) => s.grpcPort !== undefined);
  const watcher = state.services.find((s) => s.kind === 'metrics');
  const width = Math.max(...state.services.map((s) => s.name.length));
  const lines = [
    `stack up since ${state.startedAt} (state: ${stateFile(dir)})`,
    ...state.services.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${s.url}  pid ${s.pid}${s.grpcPort === undefined ? '' : `  gRPC ${s.host}:${s.grpcPort}`}` +
        (s.cpus === undefined ? '' : `  CPUs ${s.cpus}`),
    ),
    `kafka:    ${state.brokers.join(',')}${state.kafka === 'local' ? ' (deploy/local/kafka.sh)' : ''}`,
    `ingest:   ${ingest?.url}/v1/streams/{id}/audio (POST audio), ${ingest?.url.replace('http', 'ws')}/v1/streams/{id} (WebSocket)`,
    `token:    ${state.token} (kept in ${tokenFile(dir)} for the next \`stack up\`)`,
    `metrics:  ${state.services.map((s) => s.metricsUrl).join(' ')}`,
    `gRPC:     ${decomposer ? `${decomposer.host}:${decomposer.grpcPort} (metadata 'authorization: Bearer <token>')` : '-'}`,
    `live:     ${watcher ? `${watcher.url}/live?token=${state.token} (the live page: groups, streams, drift)` : '-'}`,
    'try:',
    `  curl -sS -H 'Authorization: Bearer ${state.token}' -H 'Content-Type: audio/wav' --data-binary @examples/audio/siren-then-beeps.wav ${ingest?.url}/v1/streams/demo/audio`,
    '  ./bin/audio-concepts tail --stream demo --from-beginning',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runDown(options: DownOptions): Promise<void> {
  await stackDown({
    root: REPO_ROOT,
    dir: stackDir(REPO_ROOT),
    graceS: options.grace,
    keepKafka: options.keepKafka,
    forget: options.forget,
    say,
  });
}

/** The supervisor's loop, until SIGTERM/SIGINT (`stack down`) or until the stack is gone; lines go to its log. */
async function runSupervise(): Promise<void> {
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  await superviseStack({
    dir: stackDir(REPO_ROOT),
    say: (message) => process.stdout.write(`${new Date().toISOString()} ${message}\n`),
    signal: stop.signal,
  });
}

async function runStatus(options: { json?: boolean }): Promise<void> {
  const dir = stackDir(REPO_ROOT);
  const status = await stackStatus(dir, defaultBrokers());
  process.stdout.write(options.json ? `${JSON.stringify(statusJson(status))}\n` : statusTable(status));
  if (!status.state)
    throw new StackError(`the stack is not up (no ${stateFile(dir)}); run \`audio-concepts stack up\``);
  if (status.notReady.length > 0) throw new StackError(`not ready: ${status.notReady.join(', ')}`);
}

/** `stack status --json`: one object (field names are the CLI's contract, documented in the README). */
function statusJson({ state, brokers, kafkaReachable, services, supervisor, notReady }: StackStatus): object {
  return {
    up: state !== undefined,
    ready: state !== undefined && notReady.length === 0,
    started_at: state?.startedAt ?? null,
    kafka: { brokers, managed: state?.kafka ?? null, reachable: kafkaReachable },
    supervisor: supervisor ? { pid: supervisor.pid, alive: supervisor.alive, log: supervisor.logFile } : null,
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
}

/** `stack status`: a table, one service a row, then the supervisor and Kafka. */
function statusTable({ state, brokers, kafkaReachable, services, supervisor }: StackStatus): string {
  const rows = [
    ['SERVICE', 'PID', 'ALIVE', 'READYZ', 'URL'],
    ...services.map(({ service: s, alive, ready }) => [
      s.name,
      String(s.pid),
      alive ? 'yes' : 'no',
      ready === undefined ? '-' : String(ready),
      `${s.url}${s.grpcPort === undefined ? '' : `  gRPC ${s.host}:${s.grpcPort}`}`,
    ]),
    ...(supervisor
      ? [['supervisor', String(supervisor.pid), supervisor.alive ? 'yes' : 'no', '-', `log ${supervisor.logFile}`]]
      : []),
    [
      'kafka',
      '-',
      kafkaReachable ? 'yes' : 'no',
      '-',
      `${brokers.join(',')}${state?.kafka === 'local' ? ' (local)' : ''}`,
    ],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65_535)
    throw new InvalidArgumentError(`expected a port number 1–65535, got '${value}'`);
  return port;
}
