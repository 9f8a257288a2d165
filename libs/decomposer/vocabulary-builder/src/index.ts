export { baselineVocabulary } from './baseline';
export {
  DEFAULT_CANDIDATES,
  VOCABULARY_METHODS,
  type BuiltVocabulary,
  type VocabularyMethod,
} from './built-vocabulary';
export { candidateTags, type Candidates } from './candidates';
export { clusteredVocabulary, embeddingsForTags, type ClusteredOptions, type TagEmbeddings } from './clustered';
export { kmeans, KMEANS_DEFAULTS, type KMeansOptions, type KMeansResult } from './kmeans';
export { mergeKey, prunedVocabulary, type PrunedOptions } from './pruned';
export { DEFAULT_SYNONYMS_FILE, loadSynonyms, parseSynonyms, type SynonymGroups } from './synonyms';
export { normalizeTag, readTagCounts, sortedTagCounts, wordsOf, type TagCounts, type TagSource } from './tag-counts';
export { formatVocabularyFile } from './vocabulary-file';
export { loadWordLists, type WordLists } from './word-lists';
