import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { makeDirectory } from '@audio-concepts/shared-files';
import { readNpy, writeNpy, type NdArray } from '@audio-concepts/shared-npy';
import type { ClapEncoder } from './clap-encoder';

/** What the cache needs of an encoder, so that fakes can stand in (STYLE §3). */
export type VocabularyEncoder = Pick<ClapEncoder, 'modelId' | 'dimension' | 'encodeText'>;

/** The cache file of a vocabulary: keyed by the model's content hash and the sha256 of the names. */
export function vocabularyCachePath(cacheDir: string, modelId: string, names: readonly string[]): string {
  const namesHash = createHash('sha256').update(names.join('\n')).digest('hex');
  return join(cacheDir, `text-embeddings-${modelId}-${namesHash}.npy`);
}

/**
 * The text embeddings of `names` (n × D, unit rows), from `cacheDir` when an earlier call stored them for the
 * same model and names, else encoded and stored (atomically: written to a temporary file, then renamed).
 * A cache file that cannot be read as a finite float32 [n, D] array is ignored and rewritten.
 */
export async function embedVocabulary(
  encoder: VocabularyEncoder,
  names: string[],
  cacheDir: string,
): Promise<{ embeddings: Float32Array; cached: boolean }> {
  const path = vocabularyCachePath(cacheDir, encoder.modelId, names);
  const hit = await readCached(path, names.length, encoder.dimension);
  if (hit !== undefined) return { embeddings: hit, cached: true };

  const embeddings = await encoder.encodeText(names);
  await makeDirectory(cacheDir, 'cache directory');
  await writeNpy(path, { data: embeddings, shape: [names.length, encoder.dimension], dtype: 'float32' });
  return { embeddings, cached: false };
}

async function readCached(path: string, n: number, d: number): Promise<Float32Array | undefined> {
  let arr: NdArray;
  try {
    arr = await readNpy(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof AudioConceptsError) return undefined; // truncated or not .npy: rewritten below
    throw e;
  }
  if (arr.dtype !== 'float32' || arr.shape.length !== 2 || arr.shape[0] !== n || arr.shape[1] !== d) return undefined;
  const data = arr.data as Float32Array;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return undefined;
  return data;
}
