export { ClapEncoder, clapModelDir, DEFAULT_MAX_BATCH, type ClapLoadOptions } from './clap-encoder';
export { CLAP_DTYPES, clapModelFiles, type ClapDtype } from './clap/model-files';
export {
  ClapFeatureExtraction,
  padWindow,
  parseClapPreprocessorConfig,
  type FeatureExtraction,
  type FeaturePath,
} from './clap/feature-extraction';
export { LogMelGraphExtraction } from './clap/log-mel.extraction';
export { wordPieceTokenizerFiles, type TokenizerFiles } from './clap/wordpiece-tokenizer.files';
export type { ClapDevice, ExecutionProvider, SessionDeps } from './execution-provider';
export {
  ExecutionProviderError,
  MissingModelFileError,
  ModelDownloadError,
  ModelNotFoundError,
  NetworkNotAllowedError,
  type HubModelCopy,
} from './model.errors';
export { MODEL_ID_LENGTH } from './model-id';
export { embedVocabulary, vocabularyCachePath, type VocabularyEncoder } from './text-embedding.cache';
