export { AudioEmbedding, AudioWindow } from './generated/audio_concepts/v1/audio';
export { ConceptFrame, ConceptWeight, HeadVersion } from './generated/audio_concepts/v1/concepts';
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
export { TOPICS, deadLetterTopic, type Topic } from './topics';
