/** The files of the Hugging Face layout that describe a tokenizer. */
export type TokenizerFiles = Record<'tokenizer.json' | 'tokenizer_config.json' | 'special_tokens_map.json', object>;

const SPECIAL_TOKEN_ROLES = {
  '[UNK]': 'unk_token',
  '[SEP]': 'sep_token',
  '[PAD]': 'pad_token',
  '[CLS]': 'cls_token',
  '[MASK]': 'mask_token',
} as const;

/**
 * Tokenizer files for a BERT-style lowercase WordPiece tokenizer whose vocabulary is `tokens`, in id order
 * (whole words only: a word not in it becomes [UNK]). `[CLS] … [SEP]` wrap each text, as CLAP's own
 * tokenizer wraps with <s> … </s>. The special tokens among `tokens` ([PAD], [UNK], [CLS], [SEP], [MASK]) are
 * declared as such; [UNK], [CLS] and [SEP] must be there. transformers.js' AutoTokenizer loads the result offline.
 */
export function wordPieceTokenizerFiles(tokens: readonly string[], modelMaxLength: number): TokenizerFiles {
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  for (const required of ['[UNK]', '[CLS]', '[SEP]'])
    if (!(required in vocab)) throw new RangeError(`a WordPiece vocabulary needs ${required}`);
  const specials = Object.keys(SPECIAL_TOKEN_ROLES).filter((t) => t in vocab) as (keyof typeof SPECIAL_TOKEN_ROLES)[];
  const special = (t: string) => ({ id: t, ids: [vocab[t]], tokens: [t] });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials
      .map((t) => ({
        id: vocab[t],
        content: t,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }))
      .sort((a, b) => a.id - b.id),
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
  const specialTokensMap = Object.fromEntries(specials.map((t) => [SPECIAL_TOKEN_ROLES[t], t]));
  const config = {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    strip_accents: null,
    tokenize_chinese_chars: true,
    model_max_length: modelMaxLength,
    clean_up_tokenization_spaces: true,
    ...specialTokensMap,
  };
  return { 'tokenizer.json': tokenizer, 'tokenizer_config.json': config, 'special_tokens_map.json': specialTokensMap };
}
