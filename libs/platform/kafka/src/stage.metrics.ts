import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type MessageOutcome = 'ok' | 'dead_lettered' | 'duplicate';

/** Metric names of a stage called `name` (encoder, decomposer); declared once here (STYLE §2). */
export function stageMetricNames(name: string) {
  const prefix = `audio_concepts_${name}`;
  return {
    messages: `${prefix}_messages_total`,
    batchSize: `${prefix}_batch_size`,
    batchDuration: `${prefix}_batch_duration_seconds`,
    consumerLag: `${prefix}_consumer_lag_messages`,
  };
}

/** A stage's metrics: messages by outcome, micro-batch size and duration, consumer lag (no per-stream labels). */
export class StageMetrics {
  readonly messages: Counter<'outcome'>;
  readonly batchSize: Histogram;
  readonly batchDuration: Histogram;
  /** Lag of each assigned partition at its last processed batch (high watermark − next offset). */
  private readonly lagByPartition = new Map<number, number>();

  constructor(name: string, registry: Registry) {
    const names = stageMetricNames(name);
    const lag = this.lagByPartition;
    this.messages = new Counter({
      name: names.messages,
      help: `Messages the ${name} stage consumed, by outcome (ok: output produced; dead_lettered; duplicate: skipped)`,
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: names.batchSize,
      help: `Inputs per ${name} process() call`,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    });
    this.batchDuration = new Histogram({
      name: names.batchDuration,
      help: `Seconds to process a ${name} micro-batch and have its outputs acknowledged`,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    new Gauge({
      name: names.consumerLag,
      help: `Messages of the ${name} stage's assigned partitions not processed yet (at each partition's last batch)`,
      registers: [registry],
      collect() {
        let total = 0;
        for (const value of lag.values()) total += value;
        this.set(total);
      },
    });
    for (const outcome of ['ok', 'dead_lettered', 'duplicate'] as const) this.messages.inc({ outcome }, 0);
  }

  count(outcome: MessageOutcome, n = 1): void {
    if (n > 0) this.messages.inc({ outcome }, n);
  }

  setLag(partition: number, lag: number): void {
    this.lagByPartition.set(partition, Math.max(0, lag));
  }

  retainLag(assigned: readonly number[]): void {
    const keep = new Set(assigned);
    for (const partition of [...this.lagByPartition.keys()])
      if (!keep.has(partition)) this.lagByPartition.delete(partition);
  }
}
