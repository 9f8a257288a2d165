import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { wordsOf } from './tag-counts';

/** The synonym table kept in the repo (data/synonyms.txt; its header documents the format). */
export const DEFAULT_SYNONYMS_FILE = join(__dirname, '..', 'data', 'synonyms.txt');

/** Groups of synonyms, each a list of words or phrases (as written in the file), the first naming the group. */
export type SynonymGroups = string[][];

export async function loadSynonyms(path = DEFAULT_SYNONYMS_FILE): Promise<SynonymGroups> {
  return parseSynonyms(await readFile(path, 'utf8'), path);
}

/** One group per line, members separated by commas; `#` starts a comment; a member in two groups is refused. */
export function parseSynonyms(text: string, source: string): SynonymGroups {
  const groups: SynonymGroups = [];
  const lineOf = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const members = line.split(',').map((m) => wordsOf(m.trim().toLowerCase()).join(' '));
    if (members.length < 2 || members.some((m) => m === ''))
      throw new FormatError(`${source}:${index + 1}: expected two or more synonyms separated by commas`, source);
    for (const member of members) {
      if (lineOf.has(member))
        throw new FormatError(
          `${source}:${index + 1}: '${member}' is already in the group of line ${lineOf.get(member)}`,
          source,
        );
      lineOf.set(member, index + 1);
    }
    groups.push(members);
  });
  return groups;
}
