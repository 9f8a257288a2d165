import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Registry } from 'prom-client';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { Readiness } from '@audio-concepts/platform-runtime';
import { EncodeRule } from '@audio-concepts/encoder-stage';
import { AudioEmbedding, AudioWindow } from '@audio-concepts/shared-contracts';
import { BatchStage, createKafka, describeError } from '@audio-concepts/platform-kafka';
import { ENCODER_CONFIG, type EncoderConfig } from './config';
import { EncoderMetrics } from './encoder.metrics';

/**
 * The Kafka transport of the encoder: audio.windows.v1 → audio.embeddings.v1 in micro-batches, one model call per
 * batch (BatchStage: at-least-once, dead-letter topic for windows that cannot be encoded). Loads the model in the
 * background; /readyz says "model: loading …" and "kafka: …" until both are there.
 */
@Injectable()
export class EncoderKafkaHandler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('encoder');
  private readonly stopSignal = new AbortController();
  private modelState: true | string = 'not loading yet';
  private encoder: ClapEncoder | undefined;
  private rule: EncodeRule | undefined;
  private stage: BatchStage<AudioWindow, AudioEmbedding> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(ENCODER_CONFIG) private readonly config: EncoderConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Registry) private readonly registry: Registry,
    @Inject(EncoderMetrics) private readonly metrics: EncoderMetrics,
  ) {}

  onModuleInit(): void {
    this.readiness.add('model', () => this.modelState);
    this.readiness.add('kafka', () => this.stage?.readiness() ?? 'waiting for the model');
    this.running = this.run();
  }

  /** SIGTERM: finishes the batch in flight, commits, leaves the group, then releases the model. */
  async onModuleDestroy(): Promise<void> {
    this.stopSignal.abort();
    await this.running;
    await this.stage?.stop();
    await this.encoder?.close();
  }

  private async run(): Promise<void> {
    try {
      await this.loadModel();
    } catch (error) {
      // The service cannot work without its model: exit so that the supervisor shows or restarts it.
      this.logger.fatal(`cannot load the model in ${this.config.modelDir}: ${describeError(error).message}`);
      process.exit(1);
    }
    if (!this.stopSignal.signal.aborted) await this.startStage();
  }

  private async loadModel(): Promise<void> {
    const { modelDir, device, maxBatch, threads } = this.config;
    this.modelState = `loading ${modelDir}`;
    const encoder = await ClapEncoder.load(modelDir, { device, maxBatch, intraOpThreads: threads });
    this.encoder = encoder;
    this.rule = new EncodeRule(encoder, {
      wireFormat: this.config.wireFormat,
      observe: (windows, seconds) => this.metrics.observeEncode(windows, seconds),
    });
    const fallback = device !== 'cpu' && encoder.provider === 'cpu' ? ` (DEVICE=${device}: no CUDA, so CPU)` : '';
    this.logger.log(
      `model ${modelDir} [${encoder.modelId}] on execution provider ${encoder.provider}${fallback}: ` +
        `D = ${encoder.dimension}, ${encoder.sampleRate} Hz, windows of up to ${encoder.windowSamples} samples; ` +
        encoder.featureSummary,
    );
    if (encoder.warning) this.logger.warn(encoder.warning);
    this.modelState = true;
  }

  private async startStage(): Promise<void> {
    const { config } = this;
    const { signal } = this.stopSignal;
    this.stage = new BatchStage<AudioWindow, AudioEmbedding>({
      kafka: createKafka({ brokers: config.brokers, clientId: config.kafkaClientId }),
      groupId: config.groupId,
      delivery: config.delivery,
      instanceId: config.instanceId,
      inputTopic: config.inputTopic,
      outputTopic: config.outputTopic,
      input: AudioWindow,
      inputTypeName: 'audio_concepts.v1.AudioWindow',
      output: AudioEmbedding,
      outputTypeName: 'audio_concepts.v1.AudioEmbedding',
      maxBatch: config.maxBatch,
      maxWaitMs: config.maxWaitMs,
      sessionTimeoutMs: config.sessionTimeoutMs,
      rule: this.rule as EncodeRule,
      registry: this.registry,
      logger: this.logger,
    });
    await this.stage.startWithRetry(signal);
  }
}
