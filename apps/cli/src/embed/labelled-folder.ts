import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '@audio-concepts/shared-files';
import { UsageError } from '../cli-error';
import { expandInputs } from '../tag/inputs';
import { embedAudioFiles } from './audio-embeddings';
import { classPrompt } from './class-prompt';
import { loadEmbedModel, type EmbedModelOptions } from './embed-model';
import { classesOfFiles } from './file-classes';
import { embedTexts } from './text-embeddings';

/** What `embedLabelledFolder` wrote: the arrays `train-head --audio/--labels/--prompts` read, and where from. */
export interface LabelledEmbeddings {
  audio: string;
  labels: string;
  prompts: string;
  classes: string[];
  modelId: string;
}

/**
 * A folder of labelled audio, one sub-folder per class (`sounds/engine/*.wav`, `sounds/rain/*.flac`; the classes
 * are the sub-folders' names, sorted), embedded with `modelPath` exactly as `embed DIR --classes` and `embed
 * --labels` would: `outDir/audio.npy` (+ `.index.tsv`, `.classes.npy`) and `outDir/prompts.npy` (+ `.names.txt`).
 */
export async function embedLabelledFolder(run: {
  dir: string;
  modelPath: string;
  model: EmbedModelOptions;
  outDir: string;
  batch: number;
  progress: boolean;
  signal: AbortSignal;
  say(message: string): void;
}): Promise<LabelledEmbeddings> {
  const { dir, outDir, say } = run;
  let classes: string[];
  try {
    classes = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new UsageError(`--audio-dir ${dir}: ${(error as Error).message}`);
  }
  if (classes.length < 2)
    throw new UsageError(
      `--audio-dir ${dir} has ${classes.length} class folder${classes.length === 1 ? '' : 's'}; a head needs ` +
        'at least 2 (one sub-folder of audio files per class)',
    );
  const inputs = expandInputs([dir], say);
  const classOf = classesOfFiles(inputs, classes, dir);
  await makeDirectory(outDir, 'training data directory');
  const files = {
    audio: join(outDir, 'audio.npy'),
    labels: join(outDir, 'audio.classes.npy'),
    prompts: join(outDir, 'prompts.npy'),
  };
  const encoder = await loadEmbedModel(run.modelPath, run.model, 'text', say);
  try {
    await embedAudioFiles({
      inputs,
      encoder,
      out: { npy: files.audio, index: join(outDir, 'audio.index.tsv'), classes: files.labels },
      classOf,
      batch: run.batch,
      progress: run.progress,
      signal: run.signal,
      say,
    });
    await embedTexts({
      encoder,
      texts: classes.map(classPrompt),
      names: classes,
      what: 'class prompt',
      out: { npy: files.prompts, names: join(outDir, 'prompts.names.txt') },
      cacheDir: run.model.cacheDir,
      say,
    });
    return { ...files, classes, modelId: encoder.modelId };
  } finally {
    await encoder.close();
  }
}
