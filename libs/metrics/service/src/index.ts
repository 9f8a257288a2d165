export { ConceptLabels, OTHER_CONCEPT } from './concept-labels';
export { driftEventKindName, driftEventOf } from './drift-event';
export { GroupDrift, type DriftSettings, type GroupDriftSnapshot, type GroupDriftStatus } from './group-drift';
export { MetricsStage, type MetricsStageOptions } from './metrics.stage';
export { PipelineOffsets, type WatchedGroup } from './pipeline.offsets';
export { readLatestState } from './state.reader';
export { decodeState, encodeState, type MetricsState } from './state.record';
export { WATCH_METRIC_NAMES, WatchMetrics } from './watch.metrics';
export { driftFrameOf, Watcher, type WatchedFrame, type WatcherOptions, type WatcherSnapshot, type WatchSink } from './watcher';
