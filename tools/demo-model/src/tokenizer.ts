import { SPECIAL_TOKENS } from './vocabulary';

/** Longest input in tokens; texts are concept names and short prompts. */
export const MODEL_MAX_LENGTH = 77;

/**
 * The tokenizer files of the Hugging Face layout for a BERT-style lowercase WordPiece tokenizer whose vocabulary is
 * `tokens` (whole words only: a word not in it becomes [UNK]). "[CLS] … [SEP]" wrap each text, as CLAP's own
 * tokenizer wraps with <s> … </s>; the text tower ignores them.
 */
export function tokenizerFiles(
  tokens: readonly string[],
): Record<'tokenizer.json' | 'tokenizer_config.json' | 'special_tokens_map.json', object> {
  const id = (t: string) => tokens.indexOf(t);
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  const special = (t: string) => ({ id: t, ids: [id(t)], tokens: [t] });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t) => ({
      id: id(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const specialTokensMap = {
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
  };
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    model_max_length: MODEL_MAX_LENGTH,
    clean_up_tokenization_spaces: true,
    ...specialTokensMap,
  };
  return { 'tokenizer.json': tokenizer, 'tokenizer_config.json': config, 'special_tokens_map.json': specialTokensMap };
}
