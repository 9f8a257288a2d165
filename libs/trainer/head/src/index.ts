export { Adam } from './adam';
export {
  batchLoss,
  HEAD_OBJECTIVES,
  type BatchLoss,
  type HeadObjective,
  type LossSettings,
  type UnitRows,
} from './head-loss';
export { splitRows, trainingRows } from './row-split';
export {
  HEAD_INITS,
  HEAD_TRAINING_DEFAULTS,
  trainHead,
  type EpochProgress,
  type HeadInit,
  type HeadTrainingData,
  type HeadTrainingOptions,
  type TrainedHead,
} from './train-head';
export { HEAD_FORMAT, HEAD_VERSION, saveHead, type HeadManifest, type HeadProvenance } from './head-artifact';
