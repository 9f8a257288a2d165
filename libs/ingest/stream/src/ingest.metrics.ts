import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How audio reached ingest: the only label of the audio metrics (bounded; never a stream id). */
export type Transport = 'upload' | 'websocket' | 'pull';

/** The ingest service's metric names (STYLE §7: declared once per component). */
export const INGEST_METRICS = {
  windows: 'audio_concepts_ingest_windows_total',
  audioSeconds: 'audio_concepts_ingest_audio_seconds_total',
  requests: 'audio_concepts_ingest_requests_total',
  uploadBytes: 'audio_concepts_ingest_upload_bytes_total',
  activeStreams: 'audio_concepts_ingest_active_streams',
  publishSeconds: 'audio_concepts_ingest_publish_duration_seconds',
  sourcesConfigured: 'audio_concepts_ingest_sources_configured',
  sourcesRunning: 'audio_concepts_ingest_sources_running',
  sourceRestarts: 'audio_concepts_ingest_source_restarts_total',
  sourceFailures: 'audio_concepts_ingest_source_failures_total',
} as const;

/** The ingest metrics, registered in the service's registry (served on /metrics). */
export class IngestMetrics {
  readonly windows: Counter<'transport'>;
  readonly audioSeconds: Counter<'transport'>;
  readonly requests: Counter<'route' | 'code'>;
  readonly uploadBytes: Counter<'transport'>;
  readonly activeStreams: Gauge;
  readonly publishSeconds: Histogram;
  readonly sourcesConfigured: Gauge;
  readonly sourcesRunning: Gauge;
  readonly sourceRestarts: Counter;
  readonly sourceFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.windows = new Counter({
      name: INGEST_METRICS.windows,
      help: 'Windows published and acknowledged by Kafka',
      labelNames: ['transport'],
      registers,
    });
    this.audioSeconds = new Counter({
      name: INGEST_METRICS.audioSeconds,
      help: 'Seconds of audio decoded (48 kHz mono)',
      labelNames: ['transport'],
      registers,
    });
    this.requests = new Counter({
      name: INGEST_METRICS.requests,
      help: 'Ingest requests (uploads, WebSocket handshakes) by route and HTTP status',
      labelNames: ['route', 'code'],
      registers,
    });
    this.uploadBytes = new Counter({
      name: INGEST_METRICS.uploadBytes,
      help: 'Bytes of audio received from clients (upload bodies, WebSocket frames)',
      labelNames: ['transport'],
      registers,
    });
    this.activeStreams = new Gauge({
      name: INGEST_METRICS.activeStreams,
      help: 'Streams being fed now (uploads, WebSocket streams, pull sources)',
      registers,
    });
    this.publishSeconds = new Histogram({
      name: INGEST_METRICS.publishSeconds,
      help: 'Time from sending a window to Kafka to its acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sourcesConfigured = new Gauge({
      name: INGEST_METRICS.sourcesConfigured,
      help: 'Pull sources configured (INGEST_SOURCES)',
      registers,
    });
    this.sourcesRunning = new Gauge({
      name: INGEST_METRICS.sourcesRunning,
      help: 'Pull sources being read now (the others wait to restart)',
      registers,
    });
    this.sourceRestarts = new Counter({
      name: INGEST_METRICS.sourceRestarts,
      help: 'Restarts of pull sources after they ended or failed',
      registers,
    });
    this.sourceFailures = new Counter({
      name: INGEST_METRICS.sourceFailures,
      help: 'Runs of pull sources that ended with an error',
      registers,
    });
  }
}
