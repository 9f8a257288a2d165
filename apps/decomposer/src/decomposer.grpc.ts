import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DecomposerGrpcServer, DecomposerMetrics } from '@audio-concepts/decomposer-service';
import { Readiness } from '@audio-concepts/platform-runtime';
import { ConceptSpaceLoader, messageOf } from './concept-space.loader';
import { DECOMPOSER_CONFIG, type DecomposerConfig } from './config';
import { failFast } from './fail-fast';

/** The gRPC transport: the Decomposer and health services on GRPC_HOST:GRPC_PORT once the space is loaded. */
@Injectable()
export class DecomposerGrpc implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('decomposer');
  private readonly stopSignal = new AbortController();
  private server: DecomposerGrpcServer | undefined;

  constructor(
    @Inject(DECOMPOSER_CONFIG) private readonly config: DecomposerConfig,
    @Inject(ConceptSpaceLoader) private readonly loader: ConceptSpaceLoader,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(DecomposerMetrics) private readonly metrics: DecomposerMetrics,
  ) {}

  onModuleInit(): void {
    this.readiness.add('grpc', () => this.server?.listening || 'not listening yet');
    void this.start();
  }

  /** Stops taking calls (health NOT_SERVING), lets running ones finish, closes the connections. */
  async onModuleDestroy(): Promise<void> {
    this.stopSignal.abort();
    await this.server?.close();
  }

  private async start(): Promise<void> {
    const decomposer = await this.loader.loaded(this.stopSignal.signal).catch(() => undefined);
    if (!decomposer) return; // stopping, or the loader failed (and reported it)
    const { grpcHost, grpcPort, grpcMaxMessageBytes, token, grpcTls } = this.config;
    const server = new DecomposerGrpcServer({
      decomposer,
      metrics: this.metrics,
      limits: { maxReceiveMessageBytes: grpcMaxMessageBytes, maxSendMessageBytes: grpcMaxMessageBytes },
      token,
      tls: grpcTls,
    });
    let port: number;
    try {
      port = await server.listen(grpcHost, grpcPort);
    } catch (error) {
      failFast(this.logger, messageOf(error));
    }
    if (this.stopSignal.signal.aborted) return server.close();
    this.server = server;
    this.logger.log(
      `gRPC audio_concepts.v1.Decomposer listening on ${grpcHost}:${port} ` +
        `(${grpcTls ? 'TLS' : 'plaintext'}, ${token ? 'bearer token required' : 'NO authentication'}; ` +
        `max message ${grpcMaxMessageBytes} bytes, at most ${decomposer.maxEmbeddingsPerRequest} embeddings per request)`,
    );
    if (!token) this.logger.warn('gRPC serves every caller: set DECOMPOSER_TOKEN to require a bearer token');
  }
}
