// Types of the word-list packages, which ship none (each is loaded with a dynamic import, see word-lists.ts).
declare module 'an-array-of-english-words' {
  const words: string[];
  export default words;
}
declare module 'naughty-words' {
  const lists: Record<string, string[]>;
  export default lists;
}
declare module 'wink-lemmatizer' {
  const lemmatizer: {
    noun(word: string): string;
    verb(word: string): string;
    adjective(word: string): string;
  };
  export default lemmatizer;
}
