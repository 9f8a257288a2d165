import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conceptSpaceStoreDir, listConceptSpaces } from '@audio-concepts/decomposer-concepts';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { ensureStoredSpace } from './stored-space.source';

describe('ensureStoredSpace', () => {
  it('builds a space once, finds it again without a model, and leaves only spaces in the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stored-space-'));
    const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
    const vocab = join(dir, 'vocab.txt');
    writeFileSync(vocab, 'rain\nthunder\nwind\n');
    const cacheDir = join(dir, 'cache');
    const messages: string[] = [];
    const options = {
      modelPath: model.dir,
      vocab,
      cacheDir,
      device: 'cpu' as const,
      log: (m: string) => messages.push(m),
    };

    const first = await ensureStoredSpace(options);
    expect(messages.some((m) => m.includes('embedded the 3 concepts'))).toBe(true);
    messages.length = 0;
    const again = await ensureStoredSpace(options);
    expect(again).toEqual(first);
    expect(messages).toEqual([]); // found through its record: no model loaded, nothing embedded

    const store = await listConceptSpaces(conceptSpaceStoreDir(cacheDir));
    expect(store.map((s) => [s.dir, s.manifest?.id, s.problem])).toEqual([[first.dir, first.id, undefined]]);
  });
});
