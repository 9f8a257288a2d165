import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVocabulary, parseVocabulary } from './vocabulary';

describe('built-in vocabularies', () => {
  it('audioset: the 543 non-abstract, non-blacklisted AudioSet classes', async () => {
    const v = await loadVocabulary('audioset');
    expect(v.name).toBe('audioset');
    expect(v.terms).toHaveLength(543);
    expect(v.terms).toContain('Speech');
    expect(v.terms).toContain('White noise');
    expect(v.terms).not.toContain('Human sounds'); // abstract
    expect(v.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('demo: the demo world', async () => {
    const v = await loadVocabulary('demo');
    expect(v.terms).toEqual([
      'hum',
      'tone',
      'whistle',
      'beep',
      'siren',
      'chirp',
      'white noise',
      'rumble',
      'hiss',
      'click',
      'silence',
    ]);
  });
});

describe('vocabulary files', () => {
  it('reads terms with optional frequencies, skipping comments and blank lines', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vocab-')), 'tags.tsv');
    writeFileSync(path, '# FSD50K tags\nrain\t120\n\nthunder\t40  # loud\n');
    const v = await loadVocabulary(path);
    expect(v).toMatchObject({ name: 'tags.tsv', terms: ['rain', 'thunder'], frequencies: [120, 40] });
  });

  it('the hash depends on the terms only', () => {
    expect(parseVocabulary('a\nb\n', 'x').hash).toBe(parseVocabulary('# c\na\nb', 'y').hash);
    expect(parseVocabulary('a\nb\n', 'x').hash).not.toBe(parseVocabulary('b\na\n', 'x').hash);
  });

  it.each([
    ['', 'the vocabulary is empty'],
    ['rain\nRain\n', "v.txt:2: 'Rain' repeats line 1"],
    ['rain\tmany\n', "v.txt:1: frequency 'many' is not a number ≥ 0"],
    ['rain\t3\nsnow\n', '1 of 2 terms have a frequency; give all or none'],
    ['a\t1\t2\n', 'expected "term" or "term<TAB>frequency", got 3 columns'],
  ])('rejects %j', (text, message) => {
    expect(() => parseVocabulary(text, 'v.txt')).toThrow(message);
  });

  it('names an unknown vocabulary', async () => {
    await expect(loadVocabulary('nonsense')).rejects.toThrow(
      "vocabulary 'nonsense' is neither built in (audioset, demo) nor a file",
    );
  });
});
