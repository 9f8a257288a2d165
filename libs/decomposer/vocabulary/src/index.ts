export {
  BUILT_IN_VOCABULARIES,
  loadVocabulary,
  parseVocabulary,
  type BuiltInVocabulary,
  type Vocabulary,
} from './vocabulary';
