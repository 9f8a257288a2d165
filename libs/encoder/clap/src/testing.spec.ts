import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel, type TinyClapModel } from './testing';
import { loadTransformersJs } from './transformers-js';

describe('writeTinyClapModel', () => {
  let root: string;
  let model: TinyClapModel;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tiny-clap-'));
    model = await writeTinyClapModel(join(root, 'model'), { dimension: 6 });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("writes a tokenizer that transformers.js' AutoTokenizer loads offline: lower-cased, [CLS] … [SEP], [UNK], [PAD]", async () => {
    const { AutoTokenizer, env } = await loadTransformersJs();
    const allowRemote = env.allowRemoteModels;
    env.allowRemoteModels = false;
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(model.dir, { local_files_only: true });
      const { input_ids, attention_mask } = tokenizer(['This is RAIN.', 'a banjo'], {
        padding: true,
        truncation: true,
      });
      const tokens = Array.from(input_ids.data as BigInt64Array, (id) => model.vocab[Number(id)]);
      expect(input_ids.dims).toEqual([2, 6]);
      expect(tokens).toEqual(
        [
          ['[CLS]', 'this', 'is', 'rain', '.', '[SEP]'],
          ['[CLS]', 'a', '[UNK]', '[SEP]', '[PAD]', '[PAD]'],
        ].flat(),
      );
      expect(Array.from(attention_mask.data as BigInt64Array, Number)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    } finally {
      env.allowRemoteModels = allowRemote;
    }
  });

  it('returns the weights with their shapes and is deterministic for a seed', async () => {
    expect(model.projection64xD).toHaveLength(64 * 6);
    expect(model.wordVectorsVxD).toHaveLength(model.vocab.length * 6);
    const again = await writeTinyClapModel(join(root, 'again'), { dimension: 6 });
    expect(again.projection64xD).toEqual(model.projection64xD);
    const other = await writeTinyClapModel(join(root, 'other'), { dimension: 6, seed: 2 });
    expect(other.projection64xD).not.toEqual(model.projection64xD);
  });
});
