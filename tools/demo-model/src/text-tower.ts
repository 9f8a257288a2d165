import { OnnxElemType, OnnxGraph } from '@audio-concepts/shared-onnx-builder';
import type { EmbeddingSpace } from './embedding-space';
import { randomDirection } from './embedding-space';
import type { Rng } from './random';
import { CONCEPT_WORDS, PROMPT_WORDS, SPECIAL_TOKENS } from './vocabulary';
import type { Concept } from './world';

/** Weight of a prompt word ("this", "is", "a", …) in the pooled text embedding, relative to 1 for other words. */
export const PROMPT_WORD_WEIGHT = 0.1;

/** Per token id: its vector (V×D) and its weight in the pooled mean. */
export interface WordTable {
  readonly vocabSize: number;
  readonly d: number;
  readonly vectorsVxD: Float32Array;
  readonly weightsV: Float32Array;
}

/**
 * Word vectors: a concept word gets its concept's direction (so "white noise" embeds exactly as the white-noise
 * direction, and "Beep, bleep" as the beep one); prompt words get the shared "sound" direction at low weight;
 * special tokens get weight 0; every other word ([UNK] included) its own random direction. `concepts` are in the
 * order of the space's directions.
 */
export function buildWordTable(
  tokens: readonly string[],
  concepts: readonly Concept[],
  space: EmbeddingSpace,
  rng: Rng,
): WordTable {
  const { d } = space;
  const vectorsVxD = new Float32Array(tokens.length * d);
  const weightsV = new Float32Array(tokens.length);
  const special = new Set<string>(SPECIAL_TOKENS);
  const prompt = new Set<string>(PROMPT_WORDS);
  const others = rng.fork('word directions');
  tokens.forEach((token, id) => {
    const concept = CONCEPT_WORDS[token];
    if (special.has(token) && token !== '[UNK]') return;
    if (concept !== undefined) {
      const k = concepts.indexOf(concept);
      vectorsVxD.set(space.conceptsKxD.subarray(k * d, (k + 1) * d), id * d);
      weightsV[id] = 1;
    } else if (prompt.has(token)) {
      vectorsVxD.set(space.soundD, id * d);
      weightsV[id] = PROMPT_WORD_WEIGHT;
    } else {
      // Drawn in token order from one stream, so a word's direction depends only on the token list.
      vectorsVxD.set(randomDirection(others, d), id * d);
      weightsV[id] = 1;
    }
  });
  return { vocabSize: tokens.length, d, vectorsVxD, weightsV };
}

/**
 * text_model.onnx: input_ids, attention_mask (int64 [batch, seq]) → text_embeds (float32 [batch, D]), the
 * weighted mean of the word vectors over the attended tokens: Σ mᵢ·wᵢ·vᵢ / (Σ mᵢ·wᵢ + 1e-6).
 */
export function buildTextTower(table: WordTable): Uint8Array {
  const g = new OnnxGraph('demo-clap-text');
  const ids = g.input('input_ids', OnnxElemType.INT64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', OnnxElemType.INT64, ['batch_size', 'sequence_length']);
  const vectors = g.op('Gather', [g.constant('word_vectors', table.vectorsVxD, [table.vocabSize, table.d]), ids], {
    axis: 0,
  });
  const weights = g.op('Mul', [
    g.op('Gather', [g.constant('word_weights', table.weightsV, [table.vocabSize]), ids], { axis: 0 }),
    g.op('Cast', [mask], { to: OnnxElemType.FLOAT }),
  ]);
  const weighted = g.op('Mul', [vectors, g.op('Unsqueeze', [weights, g.int64('last_axis', [2])])]);
  const total = g.op('ReduceSum', [weighted, g.int64('sequence_axis', [1])], { keepdims: 0 });
  const norm = g.op('Add', [
    g.op('ReduceSum', [weights, g.int64('sequence_axis_keep', [1])], { keepdims: 1 }),
    g.constant('epsilon', [1e-6], []),
  ]);
  g.output(g.op('Div', [total, norm]), 'text_embeds', OnnxElemType.FLOAT, ['batch_size', table.d]);
  return g.encode();
}
