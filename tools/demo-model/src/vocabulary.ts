import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';
import type { Concept } from './world';

/** Special tokens, ids 0–4, BERT-style. They carry no meaning: the text tower gives them weight 0. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * Words of prompts like "This is a sound of {label}." They share one small "sound" direction with low weight, so a
 * prompt embeds close to its label.
 */
export const PROMPT_WORDS = ['this', 'is', 'a', 'an', 'the', 'of', 'and', 'sound', 'sounds', '.', ','] as const;

/**
 * Words that mean a demo concept. Each concept's own words, plus AudioSet words for the same sound (a few
 * AudioSet classes are the demo concepts by other names: "Beep, bleep", "Sine wave", "Clicking", "Noise").
 */
export const CONCEPT_WORDS: Readonly<Record<string, Concept>> = {
  hum: 'hum',
  tone: 'tone',
  sine: 'tone',
  whistle: 'whistle',
  beep: 'beep',
  bleep: 'beep',
  siren: 'siren',
  chirp: 'chirp',
  white: 'white noise',
  noise: 'white noise',
  rumble: 'rumble',
  hiss: 'hiss',
  click: 'click',
  clicking: 'click',
  silence: 'silence',
};

/**
 * What the tokenizer's normalizer and pre-tokenizer (BertNormalizer with lowercase and accent stripping,
 * BertPreTokenizer) make of a text: lowercase words and single punctuation marks.
 */
export function splitWords(text: string): string[] {
  const folded = text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
  return folded.match(/[\p{L}\p{N}]+|[^\p{L}\p{N}\s]/gu) ?? [];
}

/**
 * The AudioSet class names `audio-concepts tag` uses by default: the `audioset` vocabulary of
 * `@audio-concepts/decomposer-vocabulary` (the ontology's names, CC BY-SA 4.0, without abstract and blacklisted
 * classes). They give the tokenizer its words, so that `--vocab audioset` has no unknown words with the demo model.
 */
export async function audioSetClassNames(): Promise<string[]> {
  return (await loadVocabulary('audioset')).terms;
}

/**
 * The token list (index = id): special tokens, prompt words, concept words, then every other word of the AudioSet
 * class names and of the demo concepts in sorted order. Deterministic for given names.
 */
export function buildTokenList(classNames: readonly string[], concepts: readonly Concept[]): string[] {
  const fixed = [...SPECIAL_TOKENS, ...PROMPT_WORDS, ...Object.keys(CONCEPT_WORDS)];
  const seen = new Set<string>(fixed);
  const rest = new Set<string>();
  for (const name of [...classNames, ...concepts]) for (const w of splitWords(name)) if (!seen.has(w)) rest.add(w);
  return [...fixed, ...[...rest].sort()];
}
