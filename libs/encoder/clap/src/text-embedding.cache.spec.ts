import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '@audio-concepts/shared-npy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapEncoder } from './clap-encoder';
import { writeTinyClapModel } from './testing';
import { embedVocabulary, vocabularyCachePath, type VocabularyEncoder } from './text-embedding.cache';

/** A strict fake: counts encodeText calls; each name's row is [len, 1, 0] normalized. */
function fakeEncoder(modelId: string): { sut: VocabularyEncoder; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    sut: {
      modelId,
      dimension: 3,
      encodeText: async (names: readonly string[]) => {
        calls.push([...names]);
        return Float32Array.from(names.flatMap((n) => [n.length, 1, 0].map((x) => x / Math.hypot(n.length, 1))));
      },
    },
  };
}

describe('embedVocabulary', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'vocab-cache-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('encodes once, then reads the same array from the cache', async () => {
    const cacheDir = join(root, 'a', 'nested');
    const { sut, calls } = fakeEncoder('0123456789abcdef');
    const first = await embedVocabulary(sut, ['rain', 'dog'], cacheDir);
    const second = await embedVocabulary(sut, ['rain', 'dog'], cacheDir);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.embeddings).toEqual(first.embeddings);
    expect(calls).toEqual([['rain', 'dog']]);
    expect(await readdir(cacheDir)).toEqual([
      vocabularyCachePath(cacheDir, sut.modelId, ['rain', 'dog']).split('/').at(-1),
    ]);
  });

  it('keys on the model id and on the names (order included)', async () => {
    const cacheDir = join(root, 'b');
    const { sut, calls } = fakeEncoder('aaaaaaaaaaaaaaaa');
    await embedVocabulary(sut, ['rain', 'dog'], cacheDir);
    expect((await embedVocabulary(sut, ['dog', 'rain'], cacheDir)).cached).toBe(false);
    expect((await embedVocabulary(sut, ['rain'], cacheDir)).cached).toBe(false);
    const other = fakeEncoder('bbbbbbbbbbbbbbbb');
    expect((await embedVocabulary(other.sut, ['rain', 'dog'], cacheDir)).cached).toBe(false);
    expect(calls).toHaveLength(3);
    expect(vocabularyCachePath('/c', 'aaaaaaaaaaaaaaaa', ['rain', 'dog'])).toMatch(
      /^\/c\/text-embeddings-aaaaaaaaaaaaaaaa-[0-9a-f]{64}\.npy$/,
    );
  });

  it('ignores and rewrites a corrupt, truncated, mis-shaped or non-finite cache file', async () => {
    const cacheDir = join(root, 'c');
    const { sut, calls } = fakeEncoder('cccccccccccccccc');
    const names = ['rain', 'thunder'];
    const path = vocabularyCachePath(cacheDir, sut.modelId, names);
    const { embeddings } = await embedVocabulary(sut, names, cacheDir);
    const corruptions: Array<() => Promise<void>> = [
      () => writeFile(path, 'not an npy file'),
      () =>
        writeFile(
          path,
          Buffer.from('\x93NUMPY\x01\x00v\x00{"descr": "<f4", "fortran_order": False, "shape": (2, 3), }'),
        ),
      () => writeNpy(path, { data: new Float32Array(4), shape: [2, 2], dtype: 'float32' }),
      () => writeNpy(path, { data: new Float64Array(6), shape: [2, 3], dtype: 'float64' }),
      () => writeNpy(path, { data: Float32Array.of(1, 0, 0, NaN, 0, 0), shape: [2, 3], dtype: 'float32' }),
    ];
    for (const corrupt of corruptions) {
      await corrupt();
      const again = await embedVocabulary(sut, names, cacheDir);
      expect(again.cached).toBe(false);
      expect(again.embeddings).toEqual(embeddings);
      expect((await embedVocabulary(sut, names, cacheDir)).cached).toBe(true);
    }
    expect(calls).toHaveLength(1 + corruptions.length);
    expect(await readdir(cacheDir)).toHaveLength(1); // no temporary files left behind
  });

  it('works with a real encoder: a hit on the second call, equal to encodeText', async () => {
    const model = await writeTinyClapModel(join(root, 'model'));
    const encoder = await ClapEncoder.load(model.dir, { device: 'cpu' });
    try {
      const names = ['rain', 'thunder', 'dog barking', 'traffic'];
      const first = await embedVocabulary(encoder, names, join(root, 'real'));
      const second = await embedVocabulary(encoder, names, join(root, 'real'));
      expect([first.cached, second.cached]).toEqual([false, true]);
      expect(second.embeddings).toEqual(first.embeddings);
      expect(first.embeddings).toEqual(await encoder.encodeText(names));
    } finally {
      await encoder.close();
    }
  });
});
