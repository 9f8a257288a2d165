import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClapEncoder, type ClapDevice, type ClapDtype } from '@audio-concepts/encoder-clap';
import type { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { loadVocabulary, type Vocabulary } from '@audio-concepts/decomposer-vocabulary';
import { buildConceptSpace, type CalibrationSource } from './concept-space.provider';

export interface OpenConceptSpaceOptions {
  /** CLAP model directory (transformers.js layout) or hub id */
  modelPath: string;
  /** 'audioset', 'demo' or a file of names; default: 'demo' for the demo model, else 'audioset' */
  vocab?: string;
  /** calibration set for m_a (audio files or a .npy); default: the model's own set, if it ships one */
  calibrate?: string;
  device?: ClapDevice;
  /** which ONNX export of the towers to load (ClapLoadOptions.dtype; default fp32) */
  dtype?: ClapDtype;
  /** text embeddings, calibration means and (under `models/`) hub downloads are cached here */
  cacheDir: string;
  allowNetwork?: boolean;
  /** solver threads (default 1: solve on the calling thread) */
  threads?: number;
  /** progress messages for slow steps */
  log?: (message: string) => void;
}

/** A loaded model and its concept space; `close()` releases the solver, the GEMM session and the encoder. */
export interface OpenedConceptSpace {
  encoder: ClapEncoder;
  space: ConceptSpace;
  vocabulary: Vocabulary;
  /** the generated demo model (config.json `"demo": true`), not a real CLAP */
  isDemo: boolean;
  close(): Promise<void>;
}

/**
 * What `tag` and `space build` need: the CLAP encoder, the vocabulary (demo model → 'demo', else
 * 'audioset'), the calibration (the model directory's own set unless one is given), an onnxruntime GEMM and the
 * concept space built from them. On failure, whatever was opened is closed again.
 */
export async function openConceptSpace(options: OpenConceptSpaceOptions): Promise<OpenedConceptSpace> {
  const { modelPath } = options;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne();
  };
  try {
    const encoder = await ClapEncoder.load(modelPath, {
      allowNetwork: options.allowNetwork,
      device: options.device,
      dtype: options.dtype,
      cacheDir: join(options.cacheDir, 'models'),
    });
    closers.push(() => encoder.close());
    // encoder.modelDir: the directory itself, or a hub id's copy in the model store.
    const isDemo = isDemoModel(encoder.modelDir);
    const vocabulary = await loadVocabulary(options.vocab ?? (isDemo ? 'demo' : 'audioset'));
    const calibration: CalibrationSource = options.calibrate
      ? { kind: 'path', path: options.calibrate }
      : { kind: 'model', modelDir: encoder.modelDir };
    const threads = options.threads ?? 1;
    const matmul = await createOrtMatMul({ threads: 1 });
    closers.push(() => matmul.close());
    const space = await buildConceptSpace(
      { encoder, vocabulary, calibration, cacheDir: options.cacheDir, log: options.log },
      { matmul, threads },
    );
    closers.push(() => space.close());
    return { encoder, space, vocabulary, isDemo, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** True for the generated demo model: its config.json says `"demo": true`. */
export function isDemoModel(modelPath: string): boolean {
  const config = join(modelPath, 'config.json');
  if (!existsSync(config)) return false;
  try {
    return JSON.parse(readFileSync(config, 'utf8')).demo === true;
  } catch {
    return false;
  }
}
