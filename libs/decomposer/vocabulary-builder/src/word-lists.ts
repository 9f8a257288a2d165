import { wordsOf } from './tag-counts';

/**
 * The word lists the builders check tags against, from kept packages:
 * - expletives: naughty-words 1.2 `en` (403 English words and phrases, "List of Dirty, Naughty, Obscene, and
 *   Otherwise Bad Words", CC BY 4.0), used as published;
 * - English words: an-array-of-english-words 2.0 (274,937 lower-case words, inflected forms included);
 * - lemmas: wink-lemmatizer 3.0 (WordNet-based noun, verb and adjective lemmas).
 * They are loaded on first use (≈ 0.3 s), not when the command line starts.
 */
export interface WordLists {
  isExpletive(tag: string): boolean;
  /** every word of the tag is in the English word list */
  isEnglish(tag: string): boolean;
  /** noun lemma if the word is an inflected noun, else its verb lemma, else the word: coughs, coughing → cough */
  lemma(word: string): string;
}

let loading: Promise<WordLists> | undefined;

export function loadWordLists(): Promise<WordLists> {
  return (loading ??= load());
}

async function load(): Promise<WordLists> {
  // Dynamic imports, kept as-is by tsc: the lists cost ≈ 0.3 s to load, and most commands never need them.
  const [english, naughty, lemmatizer] = await Promise.all([
    import('an-array-of-english-words', { with: { type: 'json' } }),
    import('naughty-words'),
    import('wink-lemmatizer'),
  ]);
  const englishWords = new Set(english.default);
  const expletives = new Set(naughty.default.en.map((e) => wordsOf(e.toLowerCase()).join(' ')));
  const { noun, verb } = lemmatizer.default;
  return {
    // A tag is an expletive when the list has the whole tag (separators read as spaces) or any one of its words.
    isExpletive: (tag) => {
      const words = wordsOf(tag);
      return expletives.has(words.join(' ')) || words.some((w) => expletives.has(w));
    },
    isEnglish: (tag) => {
      const words = wordsOf(tag);
      return words.length > 0 && words.every((w) => englishWords.has(w));
    },
    lemma: (word) => {
      const asNoun = noun(word);
      return asNoun !== word ? asNoun : verb(word);
    },
  };
}
