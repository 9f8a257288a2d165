import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './generate';
import { CONCEPT_WORDS, SPECIAL_TOKENS, audioSetClassNames, buildTokenList, splitWords } from './vocabulary';
import { CONCEPTS } from './world';

/** The ontology in the shared reference data next to the repository (DESIGN §6), where it is checked out. */
const SHARED_ONTOLOGY = join(repoRoot(), '..', 'shared', 'data', 'audioset-ontology', 'ontology.json');

describe('vocabulary', () => {
  it('splits like BERT’s normalizer and pre-tokenizer: lowercase, no accents, punctuation apart', () => {
    expect(splitWords('Chink, clink')).toEqual(['chink', ',', 'clink']);
    expect(splitWords('Fire engine, fire truck (siren)')).toEqual([
      'fire',
      'engine',
      ',',
      'fire',
      'truck',
      '(',
      'siren',
      ')',
    ]);
    expect(splitWords('Café Rub-a-dub')).toEqual(['cafe', 'rub', '-', 'a', '-', 'dub']);
  });

  it('has all 632 AudioSet class names', () => {
    const names = audioSetClassNames();
    expect(names).toHaveLength(632);
    expect(names.slice(0, 2)).toEqual(['Human sounds', 'Human voice']);
  });

  it.skipIf(!existsSync(SHARED_ONTOLOGY))('has the names of the shared ontology.json, in its order', () => {
    const ontology = JSON.parse(readFileSync(SHARED_ONTOLOGY, 'utf8')) as Array<{ name: string }>;
    expect(audioSetClassNames()).toEqual(ontology.map((c) => c.name));
  });

  it('lists special tokens first, then prompt and concept words, each token once', () => {
    const tokens = buildTokenList(audioSetClassNames());
    expect(tokens.slice(0, SPECIAL_TOKENS.length)).toEqual([...SPECIAL_TOKENS]);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const concept of CONCEPTS) for (const word of splitWords(concept)) expect(CONCEPT_WORDS[word]).toBe(concept);
  });
});
