import type { BuiltVocabulary } from './built-vocabulary';
import { candidateTags, describeCandidates } from './candidates';
import type { TagCounts } from './tag-counts';
import type { WordLists } from './word-lists';

/** baseline: the `size` most frequent tags, expletives left out (fewer when the input has fewer tags). */
export function baselineVocabulary(
  counts: TagCounts,
  size: number,
  lists: Pick<WordLists, 'isExpletive'>,
): BuiltVocabulary {
  const candidates = candidateTags(counts, size, lists);
  return {
    method: 'baseline',
    terms: candidates.tags,
    counts: candidates.counts,
    candidates: candidates.tags.length,
    groups: candidates.tags.map((t) => [t]),
    notes: [describeCandidates(candidates, size)],
  };
}
