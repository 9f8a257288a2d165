/** The methods of `vocab build` (DESIGN §1 "Vocabularies"). */
export const VOCABULARY_METHODS = ['baseline', 'pruned', 'clustered'] as const;
export type VocabularyMethod = (typeof VOCABULARY_METHODS)[number];

/** The 10,000 most frequent tags that pruned and clustered start from (the paper's candidate set). */
export const DEFAULT_CANDIDATES = 10_000;

/** A vocabulary built from tag counts, ready to be written (vocabulary-file.ts). */
export interface BuiltVocabulary {
  method: VocabularyMethod;
  /** the terms, most frequent first */
  terms: string[];
  /** per term: clips tagged with it (pruned: summed over the tags merged into it) */
  counts: number[];
  /** the candidate tags it was chosen from (baseline: the terms themselves) */
  candidates: number;
  /** per term, the candidate tags it stands for: itself (baseline), its merged tags or its cluster */
  groups: string[][];
  /** how the terms were chosen, one line each (`key: value`), for the file's header */
  notes: string[];
}
