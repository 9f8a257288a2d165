import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Metric names of the metrics service, declared once (deploy/prometheus and deploy/grafana use them). */
export const WATCH_METRIC_NAMES = {
  frames: 'audio_concepts_frames_total',
  l0: 'audio_concepts_frame_l0',
  cosine: 'audio_concepts_frame_cosine',
  fit: 'audio_concepts_frame_fit',
  latency: 'audio_concepts_end_to_end_latency_seconds',
  conceptActive: 'audio_concepts_concept_active_frames_total',
  conceptWeight: 'audio_concepts_concept_weight_total',
  consumerLag: 'audio_concepts_consumer_lag_messages',
  topicEnd: 'audio_concepts_topic_end_offset',
  driftStatistic: 'audio_concepts_drift_statistic',
  driftThreshold: 'audio_concepts_drift_threshold',
  driftAlarm: 'audio_concepts_drift_alarm',
  driftAlarms: 'audio_concepts_drift_alarms_total',
  driftReferenceUpdated: 'audio_concepts_drift_reference_updated_timestamp_seconds',
  driftReferenceFrames: 'audio_concepts_drift_reference_frames',
  driftEvents: 'audio_concepts_drift_events_total',
  kafkaUp: 'audio_concepts_metrics_kafka_up',
} as const;

const FIDELITY_BUCKETS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 1];

/**
 * What the metrics service exports: per stream group (never per stream), concept labels only for a group's
 * capped set (ConceptLabels) plus `other`, the lag of every stage's consumer group and the drift state.
 */
export class WatchMetrics {
  readonly frames: Counter<'stream_group'>;
  readonly l0: Histogram<'stream_group'>;
  readonly cosine: Histogram<'stream_group'>;
  readonly fit: Histogram<'stream_group'>;
  readonly latency: Histogram<'stream_group'>;
  readonly conceptActive: Counter<'stream_group' | 'concept'>;
  readonly conceptWeight: Counter<'stream_group' | 'concept'>;
  readonly consumerLag: Gauge<'consumer_group' | 'topic'>;
  readonly topicEnd: Gauge<'topic'>;
  readonly driftStatistic: Gauge<'stream_group'>;
  readonly driftThreshold: Gauge<'stream_group'>;
  readonly driftAlarm: Gauge<'stream_group'>;
  readonly driftAlarms: Counter<'stream_group'>;
  readonly driftReferenceUpdated: Gauge<'stream_group'>;
  readonly driftReferenceFrames: Gauge<'stream_group'>;
  readonly driftEvents: Counter<'kind'>;
  readonly kafkaUp: Gauge;

  constructor(registry: Registry) {
    const n = WATCH_METRIC_NAMES;
    const registers = [registry];
    const byGroup = ['stream_group'] as const;
    this.frames = new Counter({ name: n.frames, help: 'Concept frames seen, per stream group', labelNames: byGroup, registers });
    this.l0 = new Histogram({
      name: n.l0,
      help: 'Non-zero concepts per frame (L0), per stream group',
      labelNames: byGroup,
      buckets: [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144],
      registers,
    });
    this.cosine = new Histogram({
      name: n.cosine,
      help: 'Fidelity cos(reconstruction, embedding) per frame, per stream group (falling: sounds the vocabulary cannot describe)',
      labelNames: byGroup,
      buckets: FIDELITY_BUCKETS,
      registers,
    });
    this.fit = new Histogram({
      name: n.fit,
      help: 'Concept fit cos(Cᵀw, z) per frame (frames that carry one), per stream group',
      labelNames: byGroup,
      buckets: FIDELITY_BUCKETS,
      registers,
    });
    this.latency = new Histogram({
      name: n.latency,
      help: 'Seconds from a window being ingested to its concept frame being seen by the metrics service',
      labelNames: byGroup,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.conceptActive = new Counter({
      name: n.conceptActive,
      help: "Frames in which a concept is active (weight > 0), per stream group; concepts outside the group's top set count as other",
      labelNames: ['stream_group', 'concept'],
      registers,
    });
    this.conceptWeight = new Counter({
      name: n.conceptWeight,
      help: "Summed weight of a concept over frames, per stream group; concepts outside the group's top set count as other",
      labelNames: ['stream_group', 'concept'],
      registers,
    });
    this.consumerLag = new Gauge({
      name: n.consumerLag,
      help: "Messages of a topic not yet committed by a stage's consumer group (broker end offset − committed offset, summed over partitions)",
      labelNames: ['consumer_group', 'topic'],
      registers,
    });
    this.topicEnd = new Gauge({
      name: n.topicEnd,
      help: "Sum of a topic's partition end offsets (messages ever written; dead-letter topics included)",
      labelNames: ['topic'],
      registers,
    });
    this.driftStatistic = new Gauge({
      name: n.driftStatistic,
      help: "The drift detector's statistic per stream group (alarm above audio_concepts_drift_threshold)",
      labelNames: byGroup,
      registers,
    });
    this.driftThreshold = new Gauge({
      name: n.driftThreshold,
      help: 'The drift threshold per stream group, calibrated on its reference for the configured false alarms per day',
      labelNames: byGroup,
      registers,
    });
    this.driftAlarm = new Gauge({
      name: n.driftAlarm,
      help: "1 while a stream group's concept mix has drifted from its reference, else 0",
      labelNames: byGroup,
      registers,
    });
    this.driftAlarms = new Counter({
      name: n.driftAlarms,
      help: 'Drift alarms raised per stream group',
      labelNames: byGroup,
      registers,
    });
    this.driftReferenceUpdated = new Gauge({
      name: n.driftReferenceUpdated,
      help: "Unix time (seconds) at which the stream group's drift reference was frozen or loaded",
      labelNames: byGroup,
      registers,
    });
    this.driftReferenceFrames = new Gauge({
      name: n.driftReferenceFrames,
      help: "Frames in the stream group's drift reference (collected so far while it is being built)",
      labelNames: byGroup,
      registers,
    });
    this.driftEvents = new Counter({
      name: n.driftEvents,
      help: 'DriftEvents written to audio.drift.v1, by kind (alarm, recovery)',
      labelNames: ['kind'],
      registers,
    });
    this.kafkaUp = new Gauge({
      name: n.kafkaUp,
      help: "1 when the metrics service's last probe of the broker was answered, else 0",
      registers,
    });
  }
}
