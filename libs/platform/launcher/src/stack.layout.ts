import { availableParallelism } from 'node:os';
import { join } from 'node:path';

export type ServiceKind = 'ingest' | 'encoder' | 'decomposer' | 'metrics';

/** One service process of the local stack: where it listens and how it is started. */
export interface StackService {
  name: string;
  kind: ServiceKind;
  /** its entry script, `<repo>/apps/<kind>/dist/main.js` */
  script: string;
  host: string;
  port: number;
  /** the decomposer's gRPC port */
  grpcPort?: number;
  url: string;
  readyUrl: string;
  metricsUrl: string;
  logFile: string;
  /** the CPUs an encoder is pinned to (`taskset -c` list, e.g. "2-3"); absent: not pinned */
  cpus?: string;
}

export interface StackLayoutOptions {
  root: string;
  stackDir: string;
  host: string;
  /** ingest's HTTP port; the others follow it */
  port: number;
  /** the first decomposer's gRPC port; the others follow it */
  grpcPort: number;
  encoders: number;
  decomposers: number;
  /** pin each encoder to this many cores of its own (`encoderCpus`); absent: not pinned */
  encoderCores?: number;
  /** the cores to pin to (default: os.availableParallelism()) */
  cores?: number;
}

/**
 * The services of `stack up` and their ports: ingest on `port`, the first encoder on `port + 1`, the first
 * decomposer on `port + 2` and the metrics service on `port + 3` (8080–8083, the services' own defaults), then the
 * extra encoders and decomposers on the ports after those. Extra decomposers take the gRPC ports after `grpcPort`.
 */
export function stackLayout(options: StackLayoutOptions): StackService[] {
  const { port } = options;
  const service = (kind: ServiceKind, index: number, httpPort: number, grpcPort?: number) =>
    stackService(options, kind, index, httpPort, grpcPort);
  const encoder = (index: number, httpPort: number) => withCpus(service('encoder', index, httpPort), index, options);
  const services = [service('ingest', 1, port), encoder(1, port + 1)];
  services.push(service('decomposer', 1, port + 2, options.grpcPort));
  services.push(service('metrics', 1, port + 3));
  let next = port + 4;
  for (let i = 2; i <= options.encoders; i++) services.push(encoder(i, next++));
  for (let i = 2; i <= options.decomposers; i++)
    services.push(service('decomposer', i, next++, options.grpcPort + i - 1));
  return sortServices(services);
}

/** Ingest, the encoders, the decomposers, metrics; by port within a kind. */
export function sortServices<T extends StackService>(services: T[]): T[] {
  return services.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.port - b.port);
}

/**
 * Encoders for a running stack that has `running` (scaling up): encoder-k for each missing k ≤ `count`, on the ports
 * after the highest one in use, pinned as `options` says.
 */
export function extraEncoders(
  running: readonly StackService[],
  count: number,
  options: Omit<StackLayoutOptions, 'port' | 'grpcPort' | 'encoders' | 'decomposers'>,
): StackService[] {
  const names = new Set(running.map((s) => s.name));
  const where = { ...options, host: (running.find((s) => s.kind === 'encoder') ?? running[0]).host };
  let next = Math.max(...running.map((s) => s.port)) + 1;
  const added: StackService[] = [];
  for (let i = 1; i <= count; i++)
    if (!names.has(`encoder-${i}`)) added.push(withCpus(stackService(where, 'encoder', i, next++), i, options));
  return added;
}

/** One service of the stack: its name (`ingest`, `encoder-2`, …), script, URLs and log file. */
function stackService(
  where: Pick<StackLayoutOptions, 'root' | 'stackDir' | 'host'>,
  kind: ServiceKind,
  index: number,
  httpPort: number,
  grpcPort?: number,
): StackService {
  const name = kind === 'ingest' || kind === 'metrics' ? kind : `${kind}-${index}`;
  const url = `http://${where.host}:${httpPort}`;
  return {
    name,
    kind,
    script: join(where.root, 'apps', kind, 'dist', 'main.js'),
    host: where.host,
    port: httpPort,
    ...(grpcPort === undefined ? {} : { grpcPort }),
    url,
    readyUrl: `${url}/readyz`,
    metricsUrl: `${url}/metrics`,
    logFile: join(where.stackDir, 'logs', `${name}.log`),
  };
}

/**
 * The cores encoder `index` (1-based) is pinned to: the index-th run of `coresPer` cores, wrapping around the
 * machine's `cores` (encoders beyond cores / coresPer share cores), as a `taskset -c` list.
 */
export function encoderCpus(index: number, coresPer: number, cores: number): string {
  const per = Math.min(coresPer, cores);
  const first = ((index - 1) * per) % cores;
  const list = Array.from({ length: per }, (_, k) => (first + k) % cores);
  return list.length === 1 || list[list.length - 1] < list[0] ? list.join(',') : `${list[0]}-${list[list.length - 1]}`;
}

function withCpus(
  service: StackService,
  index: number,
  options: Pick<StackLayoutOptions, 'encoderCores' | 'cores'>,
): StackService {
  if (options.encoderCores === undefined) return service;
  return { ...service, cpus: encoderCpus(index, options.encoderCores, options.cores ?? availableParallelism()) };
}

const KIND_ORDER: Record<ServiceKind, number> = { ingest: 0, encoder: 1, decomposer: 2, metrics: 3 };

/** What every service of one stack is given (see `serviceEnv`). */
export interface StackEnv {
  brokers: string[];
  /** the stack's bearer token: ingest's (INGEST_TOKEN), the decomposers' gRPC (DECOMPOSER_TOKEN) and the live
   * page's (METRICS_TOKEN) */
  token: string;
  /** the encoders' CLAP model directory (default: their own, the demo model) */
  modelDir?: string;
  /** the decomposers' stored concept space (CONCEPT_SPACE: a directory or an id), built from the same model */
  conceptSpace?: string;
  /** the encoders' execution provider */
  device?: string;
  /** cores each encoder is pinned to: its onnxruntime threads (ENCODER_THREADS) */
  encoderCores?: number;
}

/** The services given the stack's token: `stack up` restarts them when the token changes. */
export const TOKEN_KINDS: readonly ServiceKind[] = ['ingest', 'decomposer', 'metrics'];

/** The environment of one service (the service contract of each app's config.ts): the one place it is built. */
export function serviceEnv(service: StackService, common: StackEnv): Record<string, string> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: common.brokers.join(','),
    HOST: service.host,
    PORT: String(service.port),
    // Stable across restarts: a restarted encoder or decomposer takes over its predecessor's Kafka transactional id
    // (and aborts the transaction it left open) at once.
    INSTANCE_ID: service.name,
  };
  if (service.kind === 'ingest') env.INGEST_TOKEN = common.token;
  if (service.kind === 'decomposer') env.DECOMPOSER_TOKEN = common.token;
  if (service.kind === 'metrics') env.METRICS_TOKEN = common.token;
  if (service.kind === 'encoder' && common.modelDir) env.MODEL_DIR = common.modelDir;
  if (service.kind === 'decomposer' && common.conceptSpace) env.CONCEPT_SPACE = common.conceptSpace;
  if (service.kind === 'encoder' && common.device) env.DEVICE = common.device;
  if (service.kind === 'encoder' && common.encoderCores !== undefined)
    env.ENCODER_THREADS = String(common.encoderCores);
  if (service.grpcPort !== undefined) env.GRPC_PORT = String(service.grpcPort);
  return env;
}
