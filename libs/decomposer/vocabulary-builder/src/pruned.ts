import { DEFAULT_CANDIDATES, type BuiltVocabulary } from './built-vocabulary';
import { candidateTags, describeCandidates } from './candidates';
import type { SynonymGroups } from './synonyms';
import { byCountThenName, wordsOf, type TagCounts } from './tag-counts';
import type { WordLists } from './word-lists';

export interface PrunedOptions {
  size: number;
  /** the most frequent tags it starts from (default 10,000) */
  candidates?: number;
  synonyms: SynonymGroups;
}

type DropReason = 'single character' | 'numeral' | 'not English';

/**
 * pruned: from the candidates, drops single characters, numerals and tags with a word outside the English word list
 * (misspellings, but also jargon such as "sfx"), then merges tags that share their lemmas or are listed as
 * synonyms; a merged term is written as its most frequent tag and counts the sum of its tags. Keeps the `size`
 * most frequent terms.
 */
export function prunedVocabulary(counts: TagCounts, lists: WordLists, options: PrunedOptions): BuiltVocabulary {
  const asked = options.candidates ?? DEFAULT_CANDIDATES;
  const candidates = candidateTags(counts, asked, lists);
  const keyOf = mergeKey(lists, options.synonyms);
  const dropped: Record<DropReason, number> = { 'single character': 0, numeral: 0, 'not English': 0 };
  const groups = new Map<string, [string, number][]>();
  candidates.tags.forEach((tag, i) => {
    const reason = dropReason(tag, lists);
    if (reason) {
      dropped[reason]++;
      return;
    }
    const key = keyOf(tag);
    const group = groups.get(key) ?? [];
    group.push([tag, candidates.counts[i]]);
    groups.set(key, group);
  });
  const merged = [...groups.values()]
    .map((members) => {
      members.sort(byCountThenName);
      return { members, entry: [members[0][0], members.reduce((s, [, c]) => s + c, 0)] as [string, number] };
    })
    .sort((a, b) => byCountThenName(a.entry, b.entry))
    .slice(0, options.size);
  const kept = [...groups.values()].reduce((s, g) => s + g.length, 0);
  return {
    method: 'pruned',
    terms: merged.map((g) => g.entry[0]),
    counts: merged.map((g) => g.entry[1]),
    candidates: candidates.tags.length,
    groups: merged.map((g) => g.members.map(([t]) => t)),
    notes: [
      describeCandidates(candidates, asked),
      `dropped: ${dropped['single character']} single characters, ${dropped.numeral} numerals, ` +
        `${dropped['not English']} with a word not in the English word list`,
      `merged: ${kept} tags into ${groups.size} terms (shared lemmas and synonyms, written as the most frequent tag)`,
    ],
  };
}

function dropReason(tag: string, lists: WordLists): DropReason | undefined {
  if ([...tag].length === 1) return 'single character';
  if (/\d/.test(tag) && /^[\d\s.,:/+_-]+$/.test(tag)) return 'numeral';
  if (!lists.isEnglish(tag)) return 'not English';
  return undefined;
}

/**
 * The key tags are merged by: each word reduced to its lemma, a tag or word listed as a synonym replaced by its
 * group's first member, the words then joined without spaces so "door bell", "door-bell" and "doorbell" meet.
 */
export function mergeKey(lists: Pick<WordLists, 'lemma'>, synonyms: SynonymGroups): (tag: string) => string {
  const lemmas = (phrase: string) => wordsOf(phrase).map(lists.lemma).join(' ');
  const canonical = new Map<string, string>();
  for (const group of synonyms) for (const member of group) canonical.set(lemmas(member), lemmas(group[0]));
  return (tag) => {
    const phrase = lemmas(tag);
    const replaced =
      canonical.get(phrase) ??
      phrase
        .split(' ')
        .map((w) => canonical.get(w) ?? w)
        .join(' ');
    return replaced.replace(/ /g, '');
  };
}
