export {
  buildConceptSpace,
  MODEL_CALIBRATION_FILE,
  type CalibrationSource,
  type ConceptSpaceRequest,
} from './concept-space.provider';
export {
  isDemoModel,
  openConceptSpace,
  type OpenConceptSpaceOptions,
  type OpenedConceptSpace,
} from './concept-space.open';
export {
  clockFor,
  formatClock,
  frameJson,
  frameLine,
  isUnknown,
  shownConcepts,
  type Clock,
  type FrameView,
} from './frame.format';
export { TAG_MAX_WAIT_MS, tagAudio, type FailedWindow, type TagOptions } from './tag.pipeline';
export { embedAudio, type EmbedOptions } from './embed.pipeline';
export {
  buildStoredSpace,
  ensureStoredSpace,
  ModelMismatchError,
  openTagSpace,
  type BuildSpaceOptions,
  type OpenTagSpaceOptions,
  type StoredSpace,
} from './stored-space.source';
