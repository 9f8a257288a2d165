import { wordPieceTokenizerFiles, type TokenizerFiles } from '@audio-concepts/encoder-clap';

/** Longest input in tokens; texts are concept names and short prompts. */
export const MODEL_MAX_LENGTH = 77;

/** The demo model's tokenizer files: lowercase whole-word WordPiece over `tokens` (see `wordPieceTokenizerFiles`). */
export function tokenizerFiles(tokens: readonly string[]): TokenizerFiles {
  return wordPieceTokenizerFiles(tokens, MODEL_MAX_LENGTH);
}
