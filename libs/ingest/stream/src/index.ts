export { AudioRateLimiter } from './audio-rate.limiter';
export {
  AudioLimitError,
  IdleTimeoutError,
  IngestInterruptedError,
  PayloadTooLargeError,
  StreamPositionConflictError,
  RateLimitedError,
  StreamBusyError,
  UnauthorizedError,
  WindowPublishError,
  type IngestProgress,
} from './ingest.errors';
export type { IngestLog } from './ingest.log';
export { IdleWatch } from './idle.watch';
export { INGEST_METRICS, IngestMetrics, type Transport } from './ingest.metrics';
export { IngestProducer } from './ingest.producer';
export { KafkaReachability } from './kafka.reachability';
export { KafkaStreamPositions, type KafkaStreamPositionsOptions } from './kafka.stream-positions';
export { KafkaWindowSink, type ReadinessSource } from './kafka.window-sink';
export { LivePcmStream, type LiveStreamOptions } from './live.stream';
export { decodePcm, pcmFfmpegArgs, type PcmDecodeOptions } from './pcm.decoder';
export { describePcm, PCM_FORMATS, PCM_LIMITS, readPcmParams, type PcmFormat, type PcmParams } from './pcm.params';
export { loadPullSources, parsePullSources, type PullSource } from './pull-source.config';
export { PullSourceRunner, type PullSourceRunnerOptions } from './pull-source.runner';
export { QueryReader, readFeedPosition } from './query.params';
export { RateLimiter, type RateDecision } from './rate.limiter';
export { RequestGate } from './request.gate';
export { checkStreamId, STREAM_ID_PATTERN } from './stream-id';
export {
  StreamIngestService,
  type FeedOptions,
  type IngestSummary,
  type StreamIngestOptions,
  type WindowingSettings,
} from './stream-ingest.service';
export { parsePositionRecord, positionRecord, type PositionRecord, type StreamPositionLog } from './stream.positions';
export { MAX_FEED_POSITION, StreamRegistry, type StreamLease, type StreamPosition } from './stream.registry';
export { UploadIngest, type UploadOptions } from './upload.ingest';
export type { WindowSink } from './window.sink';
