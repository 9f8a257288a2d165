export { RECOVERY_RATIO } from './alarm-rule';
export { checkDriftFrame, type DriftFrame } from './drift-frame';
export {
  checkDriftReference,
  DRIFT_REFERENCE_FORMAT,
  DRIFT_REFERENCE_VERSION,
  type DriftReference,
} from './drift-reference';
export type { ConceptChange, SignalChange } from './drift-report';
export {
  MIN_CURRENT_FRAMES,
  MIN_REFERENCE_FRAMES,
  OFFLINE_DEFAULTS,
  offlineDrift,
  type OfflineDriftOptions,
  type OfflineDriftReport,
} from './offline-drift';
export {
  DETECTOR_SNAPSHOT_FORMAT,
  MAX_NAMED_CONCEPTS,
  MAX_UNSEEN_LABELS,
  OnlineDriftDetector,
  type DetectorSnapshot,
  type DriftEvent,
  type DriftUpdate,
} from './online-detector';
export { freezeReference, ONLINE_DEFAULTS, ReferenceBuilder, type OnlineDriftOptions } from './reference-builder';
export { parseFrameLine, readFramesJsonl } from './frames-jsonl';
export { offlineDriftTraces, type OfflineDriftTraces } from './offline-traces';
