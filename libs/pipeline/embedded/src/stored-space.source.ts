import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ClapEncoder, type ClapDevice, type ClapDtype } from '@audio-concepts/encoder-clap';
import {
  conceptSpaceDirIn,
  conceptSpaceStoreDir,
  readConceptSpaceManifest,
  saveConceptSpace,
  type ConceptSpaceManifest,
} from '@audio-concepts/decomposer-concepts';
import { openStoredSpace } from '@audio-concepts/decomposer-service';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { makeDirectory } from '@audio-concepts/shared-files';
import { isDemoModel, openConceptSpace, type OpenConceptSpaceOptions } from './concept-space.open';

/** A model that is not the one a stored space was built with: its embeddings would be decomposed into nonsense. */
export class ModelMismatchError extends InvalidInputError {}

export interface BuildSpaceOptions extends Omit<OpenConceptSpaceOptions, 'threads'> {
  /** default: `<cacheDir>/spaces/<id>` */
  out?: string;
}

export interface StoredSpace {
  id: string;
  dir: string;
  manifest: ConceptSpaceManifest;
}

/** Builds the concept space of (model, vocabulary, calibration) with both CLAP towers and writes its directory. */
export async function buildStoredSpace(options: BuildSpaceOptions): Promise<StoredSpace> {
  const opened = await openConceptSpace({ ...options, threads: 1 });
  try {
    const { space } = opened;
    const dir = resolve(options.out ?? conceptSpaceDirIn(conceptSpaceStoreDir(options.cacheDir), space.id));
    const manifest = await saveConceptSpace(space, dir);
    return { id: space.id, dir, manifest };
  } finally {
    await opened.close();
  }
}

/**
 * The stored space of (model, vocabulary, calibration) in the store, built only when the store has none for
 * these inputs: a small record `<cacheDir>/space-sources/<key>` maps a key of the inputs (paths, and the size and
 * mtime of each model file) to the space id, so that a second `stack up` loads no model at all. The records stay
 * out of the store, which holds spaces only (`space list` reads every directory there).
 */
export async function ensureStoredSpace(options: Omit<BuildSpaceOptions, 'out'>): Promise<StoredSpace> {
  const store = conceptSpaceStoreDir(options.cacheDir);
  const records = join(options.cacheDir, 'space-sources');
  const record = join(records, sourceKey(options));
  if (existsSync(record)) {
    const id = (await readFile(record, 'utf8')).trim();
    const dir = conceptSpaceDirIn(store, id);
    try {
      return { id, dir, manifest: await readConceptSpaceManifest(dir) };
    } catch {
      // Removed or damaged since: build it again below.
    }
  }
  const built = await buildStoredSpace(options);
  await makeDirectory(records, 'cache directory');
  await writeFile(record, `${built.id}\n`);
  return built;
}

function sourceKey(options: Omit<BuildSpaceOptions, 'out'>): string {
  const hash = createHash('sha256');
  const model = existsSync(options.modelPath) ? realpathSync(options.modelPath) : options.modelPath;
  hash.update(`model=${model}\nvocab=${options.vocab ?? ''}\ncalibrate=${options.calibrate ?? ''}\n`);
  if (options.dtype !== undefined && options.dtype !== 'fp32') hash.update(`dtype=${options.dtype}\n`);
  if (existsSync(model)) for (const line of fileStamps(model)) hash.update(`${line}\n`);
  if (options.vocab && existsSync(options.vocab)) hash.update(readFileSync(options.vocab));
  return hash.digest('hex').slice(0, 24);
}

/** `path<TAB>size<TAB>mtime` of every file under `dir`, sorted. */
function fileStamps(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const { size, mtimeMs } = statSync(join(dir, rel));
        out.push(`${rel}\t${size}\t${mtimeMs}`);
      }
    }
  };
  walk('');
  return out.sort();
}

export interface OpenTagSpaceOptions {
  modelPath: string;
  space: string;
  device?: ClapDevice;
  /** which ONNX export of the towers to load (ClapLoadOptions.dtype; default fp32) */
  dtype?: ClapDtype;
  cacheDir: string;
  allowNetwork?: boolean;
}

/**
 * What `tag --space` needs: the stored space and the CLAP audio tower alone (the text tower is never loaded).
 * Refuses a model whose id is not the space's. Same shape as `openConceptSpace`'s result.
 */
export async function openTagSpace(options: OpenTagSpaceOptions) {
  const stored = await openStoredSpace({
    space: options.space,
    storeDir: conceptSpaceStoreDir(options.cacheDir),
    threads: 1,
  });
  let encoder: ClapEncoder | undefined;
  try {
    encoder = await ClapEncoder.load(options.modelPath, {
      allowNetwork: options.allowNetwork,
      device: options.device,
      dtype: options.dtype,
      cacheDir: join(options.cacheDir, 'models'),
      lazyTextTower: true,
    });
    const { space } = stored;
    if (encoder.modelId !== space.metadata.modelId)
      throw new ModelMismatchError(
        `model ${options.modelPath} has id ${encoder.modelId}, but concept space ${space.id} (${stored.dir}) was ` +
          `built for model ${space.metadata.modelId}: pass that model's --model, or build a space for this one ` +
          '(`audio-concepts space build`)',
      );
    const opened = encoder;
    return {
      encoder: opened,
      space,
      vocabulary: { name: space.metadata.vocabulary, terms: space.names },
      isDemo: isDemoModel(encoder.modelDir),
      close: async () => {
        await opened.close();
        await stored.close();
      },
    };
  } catch (error) {
    await encoder?.close();
    await stored.close();
    throw error;
  }
}
