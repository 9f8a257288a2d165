export { AudioEmbedding, AudioWindow } from './generated/audio_concepts/v1/audio';
export {
  ConceptChange,
  ConceptFrame,
  ConceptWeight,
  DriftEvent,
  DriftEventKind,
  HeadActivation,
  HeadControl,
  HeadVersion,
  SignalChange,
} from './generated/audio_concepts/v1/concepts';
export {
  ConceptSpaceInfo,
  DecomposeRequest,
  DecomposeResponse,
  DecomposerClient,
  DecomposerService,
  ListConceptSpacesRequest,
  ListConceptSpacesResponse,
  type DecomposerServer,
} from './generated/audio_concepts/v1/decomposer';
export { DEFAULT_STREAM_GROUP, STREAM_GROUP_NAME, StreamGroups } from './stream-groups';
export { CONSUMER_GROUPS, TOPICS, deadLetterTopic, type Topic } from './topics';
export {
  audioEmbeddingWith,
  audioWindowWith,
  DEFAULT_WIRE_FORMAT,
  float32Bytes,
  float32FromBytes,
  parseWireFormat,
  pcmOf,
  vectorOf,
  WIRE_FORMATS,
  type WireFormat,
} from './wire';
export { DEFAULTS, DEMO_MODEL_DIR, defaultCacheDir } from './defaults';
