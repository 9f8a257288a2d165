import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DecomposerMetrics, decomposeRule, HeadFollower } from '@audio-concepts/decomposer-service';
import { Readiness } from '@audio-concepts/platform-runtime';
import { AudioEmbedding, ConceptFrame } from '@audio-concepts/shared-contracts';
import { BatchStage, createKafka } from '@audio-concepts/platform-kafka';
import { ConceptSpaceLoader } from './concept-space.loader';
import { DECOMPOSER_CONFIG, type DecomposerConfig } from './config';

/**
 * The Kafka transport: audio.embeddings.v1 → audio.concepts.v1 in micro-batches, one `decomposeBatch` call per
 * batch; an embedding that cannot be decomposed goes to the dead-letter topic alone (BatchStage).
 */
@Injectable()
export class DecomposerKafkaHandler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('decomposer');
  private readonly stopSignal = new AbortController();
  private stage: BatchStage<AudioEmbedding, ConceptFrame> | undefined;
  private heads: HeadFollower | undefined;
  private headsState: true | string = 'not following yet';
  private running: Promise<void> | undefined;

  constructor(
    @Inject(DECOMPOSER_CONFIG) private readonly config: DecomposerConfig,
    @Inject(ConceptSpaceLoader) private readonly loader: ConceptSpaceLoader,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Registry) private readonly registry: Registry,
    @Inject(DecomposerMetrics) private readonly metrics: DecomposerMetrics,
  ) {}

  onModuleInit(): void {
    if (!this.config.kafka) {
      this.logger.log('Kafka path off (DECOMPOSER_KAFKA=off): serving gRPC only');
      return;
    }
    this.readiness.add('heads', () => this.headsState);
    this.readiness.add('kafka', () => this.stage?.readiness() ?? 'waiting for the concept space');
    this.running = this.run();
  }

  /** Finishes the batch in flight, commits, leaves the group. */
  async onModuleDestroy(): Promise<void> {
    this.stopSignal.abort();
    await this.running;
    await this.stage?.stop();
    await this.heads?.stop();
  }

  private async run(): Promise<void> {
    const { signal } = this.stopSignal;
    const decomposer = await this.loader.loaded(signal).catch(() => undefined);
    if (!decomposer) return;
    const { config } = this;
    const kafka = createKafka({ brokers: config.brokers, clientId: config.kafkaClientId });
    // The heads first: after a restart the first batch goes through the head that was live before it.
    this.headsState = `reading ${config.headsTopic}`;
    this.heads = new HeadFollower({
      kafka,
      topic: config.headsTopic,
      book: decomposer.heads,
      log: this.logger,
      metrics: this.metrics,
    });
    const following = await this.heads.startWithRetry(signal, (reason) => {
      this.headsState = `cannot read ${config.headsTopic}: ${reason}`;
    });
    if (!following) return;
    this.headsState = true;
    this.logger.log(
      `following ${config.headsTopic}: ${decomposer.heads.ids().length} head(s) known; stream groups: ${config.streamGroups.describe()}`,
    );
    if (signal.aborted) return;
    this.stage = new BatchStage<AudioEmbedding, ConceptFrame>({
      kafka,
      groupId: config.groupId,
      delivery: config.delivery,
      instanceId: config.instanceId,
      inputTopic: config.inputTopic,
      outputTopic: config.outputTopic,
      input: AudioEmbedding,
      inputTypeName: 'audio_concepts.v1.AudioEmbedding',
      output: ConceptFrame,
      outputTypeName: 'audio_concepts.v1.ConceptFrame',
      maxBatch: config.maxBatch,
      maxWaitMs: config.maxWaitMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      rule: decomposeRule(decomposer),
      registry: this.registry,
      logger: this.logger,
    });
    await this.stage.startWithRetry(signal);
  }
}
