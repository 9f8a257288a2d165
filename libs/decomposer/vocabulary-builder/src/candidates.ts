import type { TagCounts } from './tag-counts';
import type { WordLists } from './word-lists';

/** The most frequent tags once expletives are left out, with their counts. */
export interface Candidates {
  tags: string[];
  counts: number[];
  /** expletives passed over while collecting them */
  expletives: string[];
}

/** The `size` most frequent tags that are not expletives (ties broken by name, as TagCounts is sorted). */
export function candidateTags(counts: TagCounts, size: number, lists: Pick<WordLists, 'isExpletive'>): Candidates {
  const result: Candidates = { tags: [], counts: [], expletives: [] };
  for (let i = 0; i < counts.tags.length && result.tags.length < size; i++) {
    const tag = counts.tags[i];
    if (lists.isExpletive(tag)) result.expletives.push(tag);
    else {
      result.tags.push(tag);
      result.counts.push(counts.counts[i]);
    }
  }
  return result;
}

export function describeCandidates(candidates: Candidates, asked: number): string {
  const short = candidates.tags.length < asked ? ` (fewer than ${asked}: the input has no more)` : '';
  return (
    `candidates: the ${candidates.tags.length} most frequent tags${short}, ` +
    `${candidates.expletives.length} expletive${candidates.expletives.length === 1 ? '' : 's'} left out`
  );
}
