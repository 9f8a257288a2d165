import {
  Server,
  ServerCredentials,
  status,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import {
  DecomposerService,
  type DecomposeRequest,
  type DecomposeResponse,
  type DecomposerServer,
  type ListConceptSpacesRequest,
  type ListConceptSpacesResponse,
} from '@audio-concepts/shared-contracts';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import type { Decomposer } from './decomposer.service';
import type { DecomposerMetrics } from './decomposer.metrics';
import { stringLimitsInterceptor } from './grpc-request.limits';
import { bearerTokenInterceptor } from './grpc.auth';
import type { OnRefused } from './grpc.interceptors';
import { grpcStatusName, grpcStatusOf } from './grpc-status.table';

/** The Decomposer's fully qualified gRPC service name: what the health service reports on. */
export const DECOMPOSER_GRPC_SERVICE = 'audio_concepts.v1.Decomposer';

/** The server's transport limits (README "gRPC limits"). */
export interface GrpcLimits {
  /** largest request accepted (bytes); larger ones fail with RESOURCE_EXHAUSTED before any work */
  maxReceiveMessageBytes: number;
  /** largest response sent (bytes) */
  maxSendMessageBytes: number;
  /** the server pings a connection after this long without activity … */
  keepaliveTimeMs: number;
  /** … and closes it when the ping is not answered within this */
  keepaliveTimeoutMs: number;
  /** concurrent calls per connection */
  maxConcurrentStreams: number;
}

export const DEFAULT_GRPC_LIMITS: GrpcLimits = {
  maxReceiveMessageBytes: 16 * 1024 * 1024,
  maxSendMessageBytes: 16 * 1024 * 1024,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  maxConcurrentStreams: 100,
};

/** The server's certificate and key (PEM); with them it serves TLS only. */
export interface GrpcTls {
  certChain: Buffer;
  privateKey: Buffer;
}

export interface DecomposerGrpcServerOptions {
  decomposer: Decomposer;
  limits?: Partial<GrpcLimits>;
  metrics?: DecomposerMetrics;
  /** every call but health checks must send `authorization: Bearer <token>`; none when absent */
  token?: string;
  /** serve TLS with this certificate; plaintext when absent */
  tls?: GrpcTls;
}

/**
 * The gRPC `audio_concepts.v1.Decomposer` service (Decompose, ListConceptSpaces) plus the standard
 * `grpc.health.v1.Health` service, which reports SERVING for "" and the Decomposer while the server listens.
 * With a `token`, every other call must carry it (UNAUTHENTICATED otherwise); with `tls`, it serves TLS only. Every
 * string field of a request is bounded (`MAX_ID_CHARS`, INVALID_ARGUMENT).
 * Errors answer with a status from `GRPC_STATUS_OF_ERROR`. Deadlines are the client's: a call whose deadline has
 * passed (or that was cancelled) before the work starts is not worked on, and nothing is sent for one that ends
 * while it runs.
 */
export class DecomposerGrpcServer {
  readonly limits: GrpcLimits;
  private readonly server: Server;
  private readonly health = new HealthImplementation({ '': 'NOT_SERVING', [DECOMPOSER_GRPC_SERVICE]: 'NOT_SERVING' });
  private readonly credentials: ServerCredentials;
  private boundPort: number | undefined;

  constructor(options: DecomposerGrpcServerOptions) {
    this.limits = { ...DEFAULT_GRPC_LIMITS, ...options.limits };
    const { decomposer, metrics } = options;
    const onRefused: OnRefused = (method, code) => metrics?.observeGrpcCall(method, grpcStatusName(code), 0);
    this.credentials = options.tls
      ? ServerCredentials.createSsl(null, [{ cert_chain: options.tls.certChain, private_key: options.tls.privateKey }])
      : ServerCredentials.createInsecure();
    // The token first: a caller without it learns nothing about the request's checks.
    const interceptors = [
      ...(options.token === undefined ? [] : [bearerTokenInterceptor(options.token, onRefused)]),
      stringLimitsInterceptor(onRefused),
    ];
    this.server = new Server({
      interceptors,
      'grpc.max_receive_message_length': this.limits.maxReceiveMessageBytes,
      'grpc.max_send_message_length': this.limits.maxSendMessageBytes,
      'grpc.keepalive_time_ms': this.limits.keepaliveTimeMs,
      'grpc.keepalive_timeout_ms': this.limits.keepaliveTimeoutMs,
      'grpc.max_concurrent_streams': this.limits.maxConcurrentStreams,
    });
    const implementation: DecomposerServer = {
      decompose: unaryHandler<DecomposeRequest, DecomposeResponse>('Decompose', metrics, async (request) => ({
        frames: await decomposer.decompose(request),
      })),
      listConceptSpaces: unaryHandler<ListConceptSpacesRequest, ListConceptSpacesResponse>(
        'ListConceptSpaces',
        metrics,
        async () => ({ spaces: decomposer.listConceptSpaces() }),
      ),
    };
    this.server.addService(DecomposerService, implementation);
    this.health.addToServer(this.server);
  }

  /** The port it listens on, once `listen` resolved. */
  get port(): number | undefined {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.boundPort !== undefined;
  }

  /** Listens on host:port (0: any free port), with TLS when it has a certificate; resolves with the port. */
  async listen(host: string, port: number): Promise<number> {
    const address = `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, this.credentials, (error, bound) =>
        error
          ? reject(
              new AudioConceptsError(`gRPC server cannot listen on ${address}: ${error.message}`, { cause: error }),
            )
          : resolve(bound),
      ),
    );
    this.setServing(true);
    return this.boundPort;
  }

  /** What the health service reports for "" and the Decomposer. */
  setServing(serving: boolean): void {
    for (const service of ['', DECOMPOSER_GRPC_SERVICE])
      this.health.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING');
  }

  /** Reports NOT_SERVING, lets running calls finish for up to `graceMs`, then closes every connection. */
  async close(graceMs = 5_000): Promise<void> {
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.boundPort = undefined;
  }
}

/**
 * A unary handler around `work`: skips the work when the call is already cancelled or past its deadline, maps
 * errors through the status table, sends nothing to a client that left meanwhile, and counts the call.
 */
export function unaryHandler<Req, Res>(
  method: string,
  metrics: DecomposerMetrics | undefined,
  work: (request: Req) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const started = performance.now();
    const finish = (code: status) =>
      metrics?.observeGrpcCall(method, grpcStatusName(code), (performance.now() - started) / 1000);
    const gone = () => (deadlinePassed(call.getDeadline()) ? status.DEADLINE_EXCEEDED : status.CANCELLED);
    if (call.cancelled || deadlinePassed(call.getDeadline())) {
      const code = gone();
      finish(code);
      callback({ code, details: `${method}: the call ended before the server started on it` });
      return;
    }
    work(call.request).then(
      (response) => {
        if (call.cancelled) return finish(gone());
        finish(status.OK);
        callback(null, response);
      },
      (error: unknown) => {
        const { code, details } = grpcStatusOf(error);
        finish(code);
        callback({ code, details });
      },
    );
  };
}

function deadlinePassed(deadline: Date | number): boolean {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) && ms <= Date.now();
}
