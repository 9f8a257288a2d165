import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PartitionLag } from './broker.probe';

export type MessageOutcome = 'ok' | 'dead_lettered' | 'duplicate';

/** Metric names of a stage called `name` (encoder, decomposer); declared once here (STYLE §2). */
export function stageMetricNames(name: string) {
  const prefix = `audio_concepts_${name}`;
  return {
    messages: `${prefix}_messages_total`,
    batchSize: `${prefix}_batch_size`,
    batchDuration: `${prefix}_batch_duration_seconds`,
    consumerLag: `${prefix}_consumer_lag_messages`,
    batchRetries: `${prefix}_batch_retries_total`,
    batchFailures: `${prefix}_batch_failures_total`,
    kafkaUp: `${prefix}_kafka_up`,
  };
}

/**
 * A stage's metrics: messages by outcome, micro-batch size and duration, redone and failed batches, and the
 * consumer lag per partition as the broker reports it (no per-stream labels).
 */
export class StageMetrics {
  readonly messages: Counter<'outcome'>;
  readonly batchSize: Histogram;
  readonly batchDuration: Histogram;
  /** batches that failed and are fetched again, by why: `retriable` (a broker outage…) or `rebalance` */
  readonly batchRetries: Counter<'reason'>;
  /** batches whose outputs could not be written for good and whose inputs were dead-lettered instead, and
   * dead-letter sends that failed (`dead_letter_send`: the batch is redone, the stage stalls and says so) */
  readonly batchFailures: Counter<'kind'>;
  private readonly lag: Gauge<'group' | 'partition'>;
  private readonly kafkaUp: Gauge;

  constructor(name: string, registry: Registry) {
    const names = stageMetricNames(name);
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
      help: `Seconds to process a ${name} micro-batch and have its outputs acknowledged (committed, exactly-once)`,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.batchRetries = new Counter({
      name: names.batchRetries,
      help: `${name} micro-batches that failed and are fetched again from the committed offsets, by reason`,
      labelNames: ['reason'],
      registers: [registry],
    });
    this.batchFailures = new Counter({
      name: names.batchFailures,
      help:
        `${name} micro-batches whose outputs could not be written (outputs_refused: inputs dead-lettered instead) ` +
        `or whose dead letters could not be written (dead_letter_send: redone)`,
      labelNames: ['kind'],
      registers: [registry],
    });
    this.lag = new Gauge({
      name: names.consumerLag,
      help: `Messages of the ${name} stage's input not yet committed by its group, per partition (broker's end offset − committed offset)`,
      labelNames: ['group', 'partition'],
      registers: [registry],
    });
    this.kafkaUp = new Gauge({
      name: names.kafkaUp,
      help: `1 when the ${name} stage's last probe of the broker (every few seconds) was answered, else 0`,
      registers: [registry],
    });
    for (const outcome of ['ok', 'dead_lettered', 'duplicate'] as const) this.messages.inc({ outcome }, 0);
    for (const reason of ['retriable', 'rebalance'] as const) this.batchRetries.inc({ reason }, 0);
    for (const kind of ['outputs_refused', 'dead_letter_send'] as const) this.batchFailures.inc({ kind }, 0);
  }

  count(outcome: MessageOutcome, n = 1): void {
    if (n > 0) this.messages.inc({ outcome }, n);
  }

  /** The broker's answer to a probe: lag per partition, or undefined when it did not answer. */
  setProbe(group: string, lag: readonly PartitionLag[] | undefined): void {
    this.kafkaUp.set(lag ? 1 : 0);
    if (!lag) return; // the last known lag stays: the broker is down, not the backlog gone
    this.lag.reset();
    for (const p of lag) this.lag.set({ group, partition: String(p.partition) }, p.lag);
  }
}
