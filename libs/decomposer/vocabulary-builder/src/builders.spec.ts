import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { baselineVocabulary } from './baseline';
import { prunedVocabulary } from './pruned';
import { loadSynonyms } from './synonyms';
import { readTagCounts, type TagCounts } from './tag-counts';
import { formatVocabularyFile } from './vocabulary-file';
import { loadWordLists, type WordLists } from './word-lists';

/**
 * A file shaped like FSD50K's dev_clips_info_FSD50K.json: clip id → {title, description, tags, license, uploader}.
 * Tag t with count c is on clips 0 … c−1, so each count below is the number of clips tagged with it.
 */
const COUNTS: [string, number][] = [
  ['rain', 10],
  ['shit', 9], // expletive
  ['x', 8], // single character
  ['dogg', 7], // misspelling
  ['dogs', 6],
  ['field-recording', 6],
  ['2012', 6], // numeral
  ['cough', 5],
  ['bird', 5],
  ['sfx', 5], // not in the English word list
  ['coughing', 4],
  ['automobile', 4],
  ['coughs', 3],
  ['car', 3],
  ['doorbell', 3],
  ['1.5', 3], // numeral
  ['dog', 2],
  ['door-bell', 2],
  ['fuck-off', 2], // expletive
  ['cars', 1],
];

function fsd50kClipsInfo(): string {
  const clips: Record<
    string,
    { title: string; description: string; tags: string[]; license: string; uploader: string }
  > = {};
  for (let clip = 0; clip < 10; clip++)
    clips[String(64760 + clip)] = {
      title: `clip ${clip}.wav`,
      description: 'synthetic',
      tags: COUNTS.filter(([, count]) => clip < count).map(([tag]) => tag),
      license: 'http://creativecommons.org/licenses/by/3.0/',
      uploader: 'someone',
    };
  // Case, spaces and a repeat within one clip: still one count for "rain" on that clip.
  clips['64760'].tags.push(' Rain ', 'RAIN');
  return JSON.stringify(clips, null, 1);
}

let lists: WordLists;
let counts: TagCounts;
let path: string;

beforeAll(async () => {
  lists = await loadWordLists();
  path = join(mkdtempSync(join(tmpdir(), 'vocab-build-')), 'dev_clips_info_FSD50K.json');
  writeFileSync(path, fsd50kClipsInfo());
  counts = await readTagCounts([path]);
});

describe('tag counts of FSD50K clip metadata', () => {
  it('counts each tag once per clip, lower-cased and trimmed, most frequent first', () => {
    expect(counts.tags.slice(0, 4)).toEqual(['rain', 'shit', 'x', 'dogg']);
    expect(counts.counts[counts.tags.indexOf('rain')]).toBe(10);
    expect(counts.tags).toHaveLength(COUNTS.length);
    expect(counts.sources).toEqual([
      { path, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), format: 'fsd50k-clips-info', clips: 10 },
    ]);
  });
});

describe('baseline', () => {
  it('the N most frequent, expletives left out, ties by name', () => {
    const v = baselineVocabulary(counts, 5, lists);
    expect(v.terms).toEqual(['rain', 'x', 'dogg', '2012', 'dogs']);
    expect(v.counts).toEqual([10, 8, 7, 6, 6]);
  });

  it('has no expletive at any size', () => {
    const v = baselineVocabulary(counts, 100, lists);
    expect(v.terms).toHaveLength(COUNTS.length - 2);
    expect(v.terms).not.toContain('shit');
    expect(v.terms).not.toContain('fuck-off');
    expect(v.notes).toContain(
      'candidates: the 18 most frequent tags (fewer than 100: the input has no more), 2 expletives left out',
    );
  });
});

describe('pruned', () => {
  it('merges roots and synonyms under the most frequent form and drops misspellings, characters, numerals', async () => {
    const v = prunedVocabulary(counts, lists, { size: 100, synonyms: await loadSynonyms() });
    expect(v.terms).toEqual(['cough', 'rain', 'automobile', 'dogs', 'field-recording', 'bird', 'doorbell']);
    expect(v.counts).toEqual([5 + 4 + 3, 10, 4 + 3 + 1, 6 + 2, 6, 5, 3 + 2]);
    expect(v.groups[0]).toEqual(['cough', 'coughing', 'coughs']);
    expect(v.groups[2]).toEqual(['automobile', 'car', 'cars']);
    expect(v.groups[6]).toEqual(['doorbell', 'door-bell']);
    expect(v.notes).toEqual([
      'candidates: the 18 most frequent tags (fewer than 10000: the input has no more), 2 expletives left out',
      'dropped: 1 single characters, 2 numerals, 2 with a word not in the English word list',
      'merged: 13 tags into 7 terms (shared lemmas and synonyms, written as the most frequent tag)',
    ]);
  });

  it('keeps the N largest groups and starts from the most frequent candidates only', async () => {
    const synonyms = await loadSynonyms();
    expect(prunedVocabulary(counts, lists, { size: 2, synonyms }).terms).toEqual(['cough', 'rain']);
    // the 3 most frequent non-expletives are rain, x and dogg: only rain survives
    expect(prunedVocabulary(counts, lists, { size: 10, candidates: 3, synonyms }).terms).toEqual(['rain']);
  });

  it('without the synonym table, automobile and car stay apart', () => {
    const v = prunedVocabulary(counts, lists, { size: 100, synonyms: [] });
    expect(v.terms).toContain('automobile');
    expect(v.groups[v.terms.indexOf('car')]).toEqual(['car', 'cars']);
  });
});

describe('the written file', () => {
  it('records method, source and counts in comments that the vocabulary reader skips', async () => {
    const v = prunedVocabulary(counts, lists, { size: 100, synonyms: await loadSynonyms() });
    const text = formatVocabularyFile(v, counts, 100);
    expect(text).toMatch(/^# audio-concepts vocab build --method pruned --size 100\n# method: pruned\n/);
    expect(text).toContain(`# source: ${path} (FSD50K clip metadata, 10 clips; sha256 ${counts.sources[0].sha256})`);
    expect(text).toContain('# tags read: 20 distinct\n');
    expect(text).toContain('# kept: 7 terms (fewer than the 100 asked)');
    const read = parseVocabulary(text, 'built.txt');
    expect(read.terms).toEqual(v.terms);
    expect(read.frequencies).toEqual(v.counts);
  });

  it('leaves out tags a vocabulary file cannot hold', async () => {
    const tsv = join(mkdtempSync(join(tmpdir(), 'vocab-build-')), 'tags.tsv');
    writeFileSync(tsv, 'rain\t3\nc#\t9\n');
    const read = await readTagCounts([tsv]);
    expect(read.tags).toEqual(['rain']);
    expect(read.unwritable).toEqual(['c#']);
    const text = formatVocabularyFile(baselineVocabulary(read, 5, lists), read, 5);
    expect(text).toContain("# tags read: 2 distinct, 1 left out for containing '#', a tab or a line break\n");
    expect(parseVocabulary(text, 'v.txt').terms).toEqual(['rain']);
  });
});
