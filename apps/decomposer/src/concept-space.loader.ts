import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Decomposer, DecomposerMetrics } from '@audio-concepts/decomposer-service';
import { Readiness } from '@audio-concepts/platform-runtime';
import { openConceptSpace, type OpenedConceptSpace } from '@audio-concepts/pipeline-embedded';
import { DECOMPOSER_CONFIG, type DecomposerConfig } from './config';
import { failFast } from './fail-fast';

/**
 * Loads the model's concept space in the background (the HTTP server answers /healthz meanwhile; /readyz says
 * "concept space: loading …"), and hands the `Decomposer` to the transports once it is there.
 */
@Injectable()
export class ConceptSpaceLoader implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('decomposer');
  private state: true | string = 'not loading yet';
  private opened: OpenedConceptSpace | undefined;
  private loading: Promise<Decomposer> | undefined;

  constructor(
    @Inject(DECOMPOSER_CONFIG) private readonly config: DecomposerConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(DecomposerMetrics) private readonly metrics: DecomposerMetrics,
  ) {}

  onModuleInit(): void {
    this.readiness.add('concept space', () => this.state);
    this.start().catch((error: unknown) =>
      failFast(this.logger, `cannot load the concept space of ${this.config.modelDir}: ${messageOf(error)}`),
    );
  }

  /** The decomposer once the space is loaded; undefined if `signal` aborts first (the service is stopping). */
  async loaded(signal: AbortSignal): Promise<Decomposer | undefined> {
    if (signal.aborted) return undefined;
    const aborted = new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined)));
    return Promise.race([this.start(), aborted]);
  }

  /** Runs after the transports have stopped (onModuleDestroy): nothing decomposes any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.opened?.close();
  }

  private start(): Promise<Decomposer> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<Decomposer> {
    const { config } = this;
    this.state = `loading ${config.modelDir}`;
    this.logger.log(`loading the concept space of ${config.modelDir}`);
    const opened = await openConceptSpace({
      modelPath: config.modelDir,
      vocab: config.vocab,
      device: config.device,
      cacheDir: config.cacheDir,
      threads: config.threads,
      log: (message) => this.logger.log(message),
    });
    this.opened = opened;
    const { space, encoder, vocabulary, isDemo } = opened;
    // The text embeddings are in the space now: the encoder's sessions are not needed any more.
    await encoder.close();
    // Builds the solver's Gram matrix now rather than in the first request.
    await space.decompose(space.dictionaryCxD.subarray(0, space.d), 1, { lambda: config.lambda });
    const decomposer = new Decomposer({
      spaces: [space],
      lambda: config.lambda,
      topK: config.topK,
      maxEmbeddingsPerRequest: config.grpcMaxEmbeddings,
      metrics: this.metrics,
    });
    this.logger.log(
      `concept space ${space.id}: model ${isDemo ? 'demo (synthetic world, not CLAP)' : config.modelDir} ` +
        `[${space.metadata.modelId}], vocabulary '${vocabulary.name}' (${space.c} concepts, d = ${space.d}), ` +
        `audio mean from ${space.audioMeanSource === 'none' ? 'nowhere (m_a = 0: the model has no calibration set)' : 'the calibration set'}; ` +
        `λ = ${config.lambda}, top ${config.topK}`,
    );
    this.state = true;
    return decomposer;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
