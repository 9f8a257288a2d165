import { join } from 'node:path';
import { embedVocabulary, type ClapEncoder } from '@audio-concepts/encoder-clap';
import { writeFileAtomic } from '@audio-concepts/shared-files';
import { writeNpy } from '@audio-concepts/shared-npy';

export interface TextEmbeddingRun {
  encoder: ClapEncoder;
  /** the texts the text tower encodes, one row each */
  texts: readonly string[];
  /** the name of each row, written one per line (for `decompose --concept-names`) */
  names: readonly string[];
  out: { npy: string; names: string };
  cacheDir: string;
  what: string;
  say(message: string): void;
}

/**
 * Encodes the texts with the text tower through the text-embedding cache `tag` and `space build` use (keyed by
 * model and texts, in <cache-dir>/text-embeddings), and writes them (k × d float32, L2-normalized) and their names.
 */
export async function embedTexts(run: TextEmbeddingRun): Promise<void> {
  const { encoder, texts } = run;
  const { embeddings, cached } = await embedVocabulary(encoder, [...texts], join(run.cacheDir, 'text-embeddings'));
  await writeNpy(run.out.npy, { data: embeddings, shape: [texts.length, encoder.dimension], dtype: 'float32' });
  await writeFileAtomic(run.out.names, new TextEncoder().encode(run.names.map((n) => `${n}\n`).join('')));
  run.say(
    `wrote ${texts.length} ${run.what} embeddings (${texts.length} × ${encoder.dimension} float32, L2-normalized` +
      `${cached ? ', from the cache' : ''}) to ${run.out.npy}; names ${run.out.names}`,
  );
}
