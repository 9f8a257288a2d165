import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { embedVocabulary } from '@audio-concepts/encoder-clap';
import { embeddingsForTags, type TagEmbeddings } from '@audio-concepts/decomposer-vocabulary-builder';
import { asFloat32Matrix, readNpy } from '@audio-concepts/shared-npy';
import { UsageError } from '../cli-error';
import { modelOrDemo } from '../demo-model';
import { loadEmbedModel, type EmbedModelOptions } from '../embed/embed-model';

export interface CandidateEmbeddingOptions extends EmbedModelOptions {
  model?: string;
  embeddings?: string;
}

/**
 * The text embeddings `vocab build --method clustered` clusters, one row per candidate tag: from `--embeddings T.npy`
 * and the names next to it (T.names.txt, as `embed --vocab` / `--text` writes them), or from the CLAP text tower
 * through the text-embedding cache `tag` and `embed` share.
 */
export async function candidateEmbeddings(
  tags: readonly string[],
  options: CandidateEmbeddingOptions,
  say: (message: string) => void,
): Promise<TagEmbeddings> {
  if (options.embeddings !== undefined) {
    const npy = options.embeddings;
    if (!/\.npy$/i.test(npy) || npy.length <= 4)
      throw new UsageError(`--embeddings must name a .npy file, got '${npy}'`);
    const namesPath = `${npy.slice(0, -4)}.names.txt`;
    const matrix = asFloat32Matrix(await readNpy(npy), npy);
    const names = (await readFile(namesPath, 'utf8')).split(/\r?\n/);
    if (names.at(-1) === '') names.pop();
    say(`read ${matrix.rows} × ${matrix.cols} embeddings from ${npy}, names from ${namesPath}`);
    return embeddingsForTags(tags, names, matrix, namesPath);
  }
  const encoder = await loadEmbedModel(modelOrDemo(options.model), options, 'text', say);
  try {
    say(`embedding ${tags.length} candidate tags with the text tower`);
    const { embeddings, cached } = await embedVocabulary(encoder, [...tags], join(options.cacheDir, 'text-embeddings'));
    if (cached) say('(text embeddings from the cache)');
    return { data: embeddings, rows: tags.length, cols: encoder.dimension };
  } finally {
    await encoder.close();
  }
}
