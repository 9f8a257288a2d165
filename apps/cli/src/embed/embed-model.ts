import { join } from 'node:path';
import { ClapEncoder, type ClapDevice, type ClapDtype } from '@audio-concepts/encoder-clap';
import { isDemoModel } from '@audio-concepts/pipeline-embedded';

export interface EmbedModelOptions {
  allowNetwork?: boolean;
  device: ClapDevice;
  dtype: ClapDtype;
  cacheDir: string;
}

/**
 * Loads the CLAP model as `tag` does (hub downloads under <cache-dir>/models) and says which one on stderr. Only
 * the tower that is needed runs: `audio` leaves the text tower unopened.
 */
export async function loadEmbedModel(
  modelPath: string,
  options: EmbedModelOptions,
  tower: 'audio' | 'text',
  say: (message: string) => void,
): Promise<ClapEncoder> {
  const encoder = await ClapEncoder.load(modelPath, {
    allowNetwork: options.allowNetwork,
    device: options.device,
    dtype: options.dtype,
    cacheDir: join(options.cacheDir, 'models'),
    lazyTextTower: tower === 'audio',
  });
  const model = isDemoModel(modelPath) ? 'demo (synthetic world, not CLAP)' : modelPath;
  say(`model ${model} [${encoder.modelId}] on ${encoder.provider.toUpperCase()}; d = ${encoder.dimension}`);
  if (encoder.warning) say(`warning: ${encoder.warning}`);
  return encoder;
}
