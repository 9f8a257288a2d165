import type { BuiltVocabulary } from './built-vocabulary';
import type { TagCounts, TagSource } from './tag-counts';

const FORMATS: Record<TagSource['format'], string> = {
  'fsd50k-clips-info': 'FSD50K clip metadata',
  'tag-counts': 'tag<TAB>count list',
};

/**
 * The vocabulary file: `#` header lines recording the method, the sources (with their sha256) and the counts, then
 * `term<TAB>count` lines, the format `tag --vocab`, `embed --vocab` and `space build --vocab` read.
 */
export function formatVocabularyFile(vocabulary: BuiltVocabulary, input: TagCounts, size: number): string {
  const header = [
    `audio-concepts vocab build --method ${vocabulary.method} --size ${size}`,
    `method: ${vocabulary.method}`,
    ...input.sources.map(
      (s) =>
        `source: ${s.path.replace(/[\r\n]/g, ' ')} (${FORMATS[s.format]}` +
        `${s.clips !== undefined ? `, ${s.clips} clips` : ''}; sha256 ${s.sha256})`,
    ),
    `tags read: ${input.tags.length + input.unwritable.length} distinct` +
      (input.unwritable.length > 0
        ? `, ${input.unwritable.length} left out for containing '#', a tab or a line break`
        : ''),
    ...vocabulary.notes,
    `kept: ${vocabulary.terms.length} terms` +
      (vocabulary.terms.length < size ? ` (fewer than the ${size} asked)` : '') +
      '; columns: term<TAB>count (clips tagged with it' +
      (vocabulary.method === 'pruned' ? ', summed over the tags merged into it)' : ')'),
  ];
  const lines = vocabulary.terms.map((term, i) => `${term}\t${vocabulary.counts[i]}`);
  return [...header.map((h) => `# ${h}`), ...lines].join('\n') + '\n';
}
