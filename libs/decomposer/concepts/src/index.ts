export {
  AUDIO_MEAN_NORM_TOLERANCE,
  ConceptSpace,
  defaultConceptNames,
  type AudioMeanSource,
  type BuildConceptSpaceInput,
  type ConceptDecomposition,
  type ConceptSpaceMetadata,
  type ConceptSpaceParts,
  type ConceptSpaceRuntime,
  type ConceptWeight,
  type DecomposeOptions,
  type GroupView,
} from './concept-space';
export {
  CONCEPT_SPACE_FILES,
  CONCEPT_SPACE_FORMAT,
  CONCEPT_SPACE_MANIFEST,
  CONCEPT_SPACE_VERSION,
  STORED_DICTIONARY_TOLERANCE,
  loadConceptSpace,
  readConceptSpaceManifest,
  saveConceptSpace,
  type ConceptSpaceFileRole,
  type ConceptSpaceManifest,
} from './concept-space.store';
export {
  CONCEPT_SPACE_STORE_SUBDIR,
  MIN_SPACE_ID_PREFIX,
  conceptSpaceDirIn,
  conceptSpaceStoreDir,
  listConceptSpaces,
  resolveConceptSpace,
  type StoredConceptSpace,
} from './concept-space.catalog';
export { centerConceptDictionary, computeAudioMean } from './concept-dictionary';
export { conceptFit } from './concept-fit';
export {
  groupProminence,
  ProminenceAccumulator,
  rankConcepts,
  type GroupProminence,
  type GroupProminenceInput,
} from './group-prominence';
export {
  classifyZeroShot,
  evaluateZeroShot,
  predictByPrompts,
  scoreZeroShot,
  type ZeroShotEvaluationInput,
  type ZeroShotInput,
  type ZeroShotPredictions,
  type ZeroShotReport,
  type ZeroShotScores,
  type ZeroShotScoringInput,
} from './zero-shot';
export { cosine, cosineRows, dot, l2NormalizeRows, meanRows, nrm2 } from './vector-math';
export { gaussian, mulberry32 } from '@audio-concepts/shared-random';
export { HEAD_FILES, headIdOf, ProjectionHead } from './projection-head';
export { PAPER_LAMBDAS, checkedLambdas, sweepLambdas, type LambdaSweepInput, type LambdaSweepPoint } from './lambda-sweep';
