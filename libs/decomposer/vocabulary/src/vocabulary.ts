import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FormatError, InvalidInputError } from '@audio-concepts/shared-errors';

/** A list of concept names (DESIGN §1 "Vocabularies"), optionally with tag frequencies. */
export interface Vocabulary {
  /** `audioset`, `demo`, or the file's name */
  name: string;
  terms: string[];
  /**
   * Per term, when the file gives them (second tab-separated column): the tag lists vocabularies are built from
   * come with counts (DESIGN §1 "Vocabularies": the baseline vocabulary is the N most frequent tags), so such a
   * list can be used as it is. Checked, but not used by the decomposition: every term of the file is a concept;
   * for the N most frequent, cut the file (`sort -t$'\t' -k2,2nr tags.tsv | head -n N`).
   */
  frequencies?: number[];
  /** sha256 of the terms joined by "\n" (hex): keys caches of text embeddings */
  hash: string;
}

/** Vocabularies shipped in `data/` (see data/ATTRIBUTION.md). */
export const BUILT_IN_VOCABULARIES = ['audioset', 'demo'] as const;
export type BuiltInVocabulary = (typeof BUILT_IN_VOCABULARIES)[number];

const DATA_DIR = join(__dirname, '..', 'data');

/**
 * A built-in vocabulary by name, or a file: one term per line, optionally `term<TAB>frequency`; `#` starts a
 * comment that runs to the end of the line (so a term cannot contain `#`); blank lines are skipped, spaces around
 * a term trimmed, a repeated term (ignoring case) refused.
 */
export async function loadVocabulary(nameOrPath: string): Promise<Vocabulary> {
  const builtIn = (BUILT_IN_VOCABULARIES as readonly string[]).includes(nameOrPath);
  const path = builtIn ? join(DATA_DIR, `${nameOrPath}.txt`) : nameOrPath;
  if (!builtIn && !existsSync(path))
    throw new InvalidInputError(
      `vocabulary '${nameOrPath}' is neither built in (${BUILT_IN_VOCABULARIES.join(', ')}) nor a file`,
    );
  const text = await readFile(path, 'utf8');
  return parseVocabulary(text, builtIn ? nameOrPath : basename(path), path);
}

export function parseVocabulary(text: string, name: string, source = name): Vocabulary {
  const terms: string[] = [];
  const frequencies: number[] = [];
  const seen = new Map<string, number>();
  let withFrequency = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [term, frequency, ...rest] = line.split('\t').map((s) => s.trim());
    const where = `${source}:${index + 1}`;
    if (rest.length > 0)
      throw new FormatError(
        `${where}: expected "term" or "term<TAB>frequency", got ${rest.length + 2} columns`,
        source,
      );
    if (seen.has(term.toLowerCase()))
      throw new FormatError(`${where}: '${term}' repeats line ${seen.get(term.toLowerCase())}`, source);
    seen.set(term.toLowerCase(), index + 1);
    terms.push(term);
    if (frequency !== undefined) {
      const f = Number(frequency);
      if (!Number.isFinite(f) || f < 0)
        throw new FormatError(`${where}: frequency '${frequency}' is not a number ≥ 0`, source);
      frequencies.push(f);
      withFrequency++;
    } else frequencies.push(NaN);
  });
  if (terms.length === 0) throw new FormatError(`${source}: the vocabulary is empty`, source);
  if (withFrequency > 0 && withFrequency < terms.length)
    throw new FormatError(
      `${source}: ${withFrequency} of ${terms.length} terms have a frequency; give all or none`,
      source,
    );
  const hash = createHash('sha256').update(terms.join('\n')).digest('hex');
  return { name, terms, frequencies: withFrequency > 0 ? frequencies : undefined, hash };
}
