import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Registry } from 'prom-client';
import { createKafka } from '@audio-concepts/platform-kafka';
import { Readiness } from '@audio-concepts/platform-runtime';
import { errorMessage } from '@audio-concepts/shared-errors';
import type { DriftReference } from '@audio-concepts/metrics-drift';
import { MetricsStage, PipelineOffsets, WatchMetrics, Watcher, type WatchSink } from '@audio-concepts/metrics-service';
import { METRICS_CONFIG, type MetricsConfig } from './config';
import { WATCH_SINK } from './live.sink';

/** Starts the metrics stage (retrying while Kafka cannot be reached) and the pipeline-offsets probe. */
@Injectable()
export class MetricsHandler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('metrics');
  private readonly stopSignal = new AbortController();
  private stage: MetricsStage | undefined;
  private offsets: PipelineOffsets | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private startProblem: string | undefined;

  constructor(
    @Inject(METRICS_CONFIG) private readonly config: MetricsConfig,
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Registry) private readonly registry: Registry,
    @Inject(WATCH_SINK) private readonly sink: WatchSink,
  ) {}

  onModuleInit(): void {
    const { config } = this;
    const metrics = new WatchMetrics(this.registry);
    const watcher = new Watcher({
      groups: config.streamGroups,
      drift: config.drift,
      references: loadReferences(config),
      topConcepts: config.topConcepts,
      metrics,
      sink: this.sink,
      log: (m) => this.logger.warn(m),
    });
    const kafka = createKafka({ brokers: config.brokers, clientId: config.kafkaClientId });
    this.offsets = new PipelineOffsets(kafka, config.watchedGroups, config.watchedTopics, metrics);
    this.probeTimer = setInterval(() => void this.offsets?.probe(), config.probeIntervalMs);
    void this.offsets.probe();
    this.readiness.add('kafka', () => this.offsets?.reachable() ?? 'not probed yet');
    this.readiness.add('frames', () => this.startProblem ?? this.stage?.readiness() ?? 'starting');
    this.logger.log(
      `stream groups: ${config.streamGroups.describe()}; drift reference: the first ${config.drift.referenceWindows} ` +
        `windows of each group; ${config.drift.falseAlarmsPerDay} expected false alarm(s) per day per group`,
    );
    if (!config.token) this.logger.warn('METRICS_TOKEN is not set: the live page is open to anyone who can reach it');
    this.running = this.run(kafka, watcher);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopSignal.abort();
    if (this.probeTimer) clearInterval(this.probeTimer);
    await this.running;
    await this.stage?.stop();
    await this.offsets?.disconnect();
  }

  private async run(kafka: ReturnType<typeof createKafka>, watcher: Watcher): Promise<void> {
    const { config } = this;
    for (let attempt = 1; !this.stopSignal.signal.aborted; attempt++) {
      const stage = new MetricsStage({
        kafka,
        groupId: config.groupId,
        instanceId: config.instanceId,
        framesTopic: config.framesTopic,
        driftTopic: config.driftTopic,
        stateTopic: config.stateTopic,
        watcher,
        commitIntervalMs: config.commitIntervalMs,
        logger: this.logger,
        sessionTimeoutMs: config.sessionTimeoutMs,
      });
      try {
        await stage.start();
        this.stage = stage;
        this.startProblem = undefined;
        return;
      } catch (error) {
        await stage.stop().catch(() => undefined);
        const delayS = Math.min(30, 2 ** Math.min(attempt, 5));
        this.startProblem = `cannot start: ${errorMessage(error)}`;
        this.logger.warn(`${this.startProblem}; trying again in ${delayS} s`);
        await pause(delayS * 1000, this.stopSignal.signal);
      }
    }
  }
}

/** `<METRICS_REFERENCE_DIR>/<group>.json` for each configured group, as `drift --save-reference` writes them. */
function loadReferences(config: MetricsConfig): Map<string, { reference: DriftReference; conceptSpaceId: string }> {
  const references = new Map<string, { reference: DriftReference; conceptSpaceId: string }>();
  if (!config.referenceDir) return references;
  for (const group of config.streamGroups.groups) {
    const file = join(config.referenceDir, `${group}.json`);
    if (!existsSync(file)) continue;
    let reference: DriftReference;
    try {
      reference = JSON.parse(readFileSync(file, 'utf8')) as DriftReference;
    } catch (error) {
      throw new Error(`METRICS_REFERENCE_DIR: ${file} is not a drift reference: ${errorMessage(error)}`);
    }
    const spaceId = (reference as { conceptSpaceId?: unknown }).conceptSpaceId;
    references.set(group, { reference, conceptSpaceId: typeof spaceId === 'string' ? spaceId : '' });
  }
  return references;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
