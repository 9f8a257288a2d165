import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { describe, expect, it } from 'vitest';
import { CONCEPT_WORDS, SPECIAL_TOKENS, audioSetClassNames, buildTokenList, splitWords } from './vocabulary';
import { CONCEPT_DEFINITIONS, loadDemoConcepts } from './world';

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

  it('takes the AudioSet class names from the `audioset` vocabulary of @audio-concepts/decomposer-vocabulary', async () => {
    const names = await audioSetClassNames();
    expect(names).toEqual((await loadVocabulary('audioset')).terms);
    expect(names).toHaveLength(543);
    // The AudioSet names of demo concepts are among them.
    expect(names).toEqual(expect.arrayContaining(['Beep, bleep', 'Sine wave', 'Clicking', 'Noise']));
  });

  it('takes the demo concepts, in order, from the `demo` vocabulary, each with a definition', async () => {
    const concepts = await loadDemoConcepts();
    expect(concepts).toEqual((await loadVocabulary('demo')).terms);
    expect([...concepts].sort()).toEqual(Object.keys(CONCEPT_DEFINITIONS).sort());
  });

  it('lists special tokens first, then prompt and concept words, each token once', async () => {
    const concepts = await loadDemoConcepts();
    const tokens = buildTokenList(await audioSetClassNames(), concepts);
    expect(tokens.slice(0, SPECIAL_TOKENS.length)).toEqual([...SPECIAL_TOKENS]);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const concept of concepts) for (const word of splitWords(concept)) expect(CONCEPT_WORDS[word]).toBe(concept);
  });
});
