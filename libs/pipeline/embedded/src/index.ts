export { conceptFrameJson, type ConceptFrame } from './concept-frame';
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
export { decomposeBatches, type DecomposeStageOptions } from './decompose.stage';
export { encodeWindows, type EncodedBatch } from './encode.stage';
export { tagAudio, type TagOptions } from './tag.pipeline';
