import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { describeKernelBackend, resolveKernelBackend } from '@audio-concepts/decomposer-lasso';
import {
  Decomposer,
  DecomposerMetrics,
  HeadBook,
  openStoredSpace,
  type OpenedStoredSpace,
} from '@audio-concepts/decomposer-service';
import { Readiness } from '@audio-concepts/platform-runtime';
import { DECOMPOSER_CONFIG, type DecomposerConfig } from './config';
import { failFast } from './fail-fast';

/**
 * Loads the stored concept space CONCEPT_SPACE names (`audio-concepts space build` wrote it; no CLAP model is
 * needed) in the background (the HTTP server answers /healthz meanwhile; /readyz says
 * "concept space: loading …"), and hands the `Decomposer` to the transports once it is there.
 */
@Injectable()
export class ConceptSpaceLoader implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('decomposer');
  private state: true | string = 'not loading yet';
  private stored: OpenedStoredSpace | undefined;
  private loading: Promise<Decomposer> | undefined;

  constructor(
    @Inject(DECOMPOSER_CONFIG) private readonly config: DecomposerConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(DecomposerMetrics) private readonly metrics: DecomposerMetrics,
  ) {}

  onModuleInit(): void {
    for (const warning of this.config.warnings) this.logger.warn(warning);
    this.readiness.add('concept space', () => this.state);
    this.start().catch((error: unknown) =>
      failFast(this.logger, `cannot load concept space ${this.config.conceptSpace}: ${messageOf(error)}`),
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
    await this.stored?.close();
  }

  private start(): Promise<Decomposer> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<Decomposer> {
    const { config } = this;
    const started = performance.now();
    this.state = `loading ${config.conceptSpace}`;
    this.logger.log(`loading concept space ${config.conceptSpace}`);
    this.stored = await openStoredSpace({
      space: config.conceptSpace,
      storeDir: config.conceptSpaceStore,
      threads: config.threads,
    });
    const { space, dir } = this.stored;
    // Builds the solver's Gram matrix now rather than in the first request.
    await space.decompose(space.dictionaryCxD.subarray(0, space.d), 1, { lambda: config.lambda });
    const decomposer = new Decomposer({
      spaces: [space],
      lambda: config.lambda,
      maxConcepts: config.maxConcepts,
      maxEmbeddingsPerRequest: config.grpcMaxEmbeddings,
      metrics: this.metrics,
      heads: new HeadBook(space, config.streamGroups),
    });
    const { metadata } = space;
    this.logger.log(
      `concept space ${space.id} loaded in ${Math.round(performance.now() - started)} ms from ${dir}: ` +
        `model ${metadata.modelId}, vocabulary '${metadata.vocabulary}' (${space.c} concepts, d = ${space.d}), ` +
        `audio mean from ${space.audioMeanSource === 'none' ? 'nowhere (m_a = 0: built without a calibration set)' : 'the calibration set'}; ` +
        `λ = ${config.lambda}` +
        (config.maxConcepts > 0 ? `, raised per window to keep at most ${config.maxConcepts} concepts` : '') +
        `; frames carry every non-zero concept; Lasso kernels ${describeKernelBackend(resolveKernelBackend())}`,
    );
    this.state = true;
    return decomposer;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
