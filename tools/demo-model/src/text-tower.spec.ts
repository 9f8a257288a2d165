import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '@audio-concepts/decomposer-concepts';
import { createEmbeddingSpace, type EmbeddingSpace } from './embedding-space';
import { Rng } from './random';
import { PROMPT_WORD_WEIGHT, buildTextTower, buildWordTable, type WordTable } from './text-tower';
import { buildTokenList, splitWords } from './vocabulary';
import { loadDemoConcepts, type Concept } from './world';

let concepts: readonly Concept[];
let space: EmbeddingSpace;
let tokens: string[];
let table: WordTable;

beforeAll(async () => {
  concepts = await loadDemoConcepts();
  space = createEmbeddingSpace(new Rng(1).fork('space'), concepts.length);
  tokens = buildTokenList(['Mains hum', 'Dog', 'Beep, bleep'], concepts);
  table = buildWordTable(tokens, concepts, space, new Rng(1).fork('words'));
});

async function embed(texts: string[]): Promise<Float32Array[]> {
  const ids = texts.map((t) => [2, ...splitWords(t).map((w) => (tokens.includes(w) ? tokens.indexOf(w) : 1)), 3]);
  const seq = Math.max(...ids.map((r) => r.length));
  const flat = (f: (row: number[], j: number) => number) =>
    BigInt64Array.from(ids.flatMap((row) => Array.from({ length: seq }, (_, j) => BigInt(f(row, j)))));
  const session = await ort.InferenceSession.create(buildTextTower(table));
  const out = await session.run({
    input_ids: new ort.Tensor(
      'int64',
      flat((row, j) => row[j] ?? 0),
      [ids.length, seq],
    ),
    attention_mask: new ort.Tensor(
      'int64',
      flat((row, j) => (j < row.length ? 1 : 0)),
      [ids.length, seq],
    ),
  });
  await session.release();
  const data = out.text_embeds.data as Float32Array;
  return texts.map((_, i) => data.slice(i * space.d, (i + 1) * space.d));
}

const direction = (concept: Concept) => {
  const k = concepts.indexOf(concept);
  return space.conceptsKxD.subarray(k * space.d, (k + 1) * space.d);
};
const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => cosine(space.d, a, 1, 0, b, 1, 0);

describe('text tower', () => {
  it('embeds a concept name exactly as its direction, whatever the case and padding', async () => {
    const [whiteNoise, tone, padded] = await embed(['White Noise', 'tone', 'tone']);
    expect(cos(whiteNoise, direction('white noise'))).toBeCloseTo(1, 6);
    expect(cos(tone, direction('tone'))).toBeCloseTo(1, 6);
    expect(Array.from(padded)).toEqual(Array.from(tone));
  });

  it('keeps a prompt close to its label, and maps AudioSet synonyms onto the concepts', async () => {
    const [prompt, mainsHum, bleep, dog] = await embed([
      'This is a sound of siren.',
      'Mains hum',
      'Beep, bleep',
      'Dog',
    ]);
    expect(PROMPT_WORD_WEIGHT).toBeLessThan(1);
    expect(cos(prompt, direction('siren'))).toBeGreaterThan(0.8);
    expect(cos(mainsHum, direction('hum'))).toBeGreaterThan(0.6); // the mean of two unit directions: ~1/√2
    expect(cos(bleep, direction('beep'))).toBeGreaterThan(0.99); // the comma weighs a little
    for (const c of concepts) expect(Math.abs(cos(dog, direction(c)))).toBeLessThan(0.2);
  });
});
