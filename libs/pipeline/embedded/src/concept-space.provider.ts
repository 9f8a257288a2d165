import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { embedVocabulary, type ClapEncoder } from '@audio-concepts/encoder-clap';
import { ConceptSpace, type ConceptSpaceRuntime } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat32Matrix, readNpy, writeNpy } from '@audio-concepts/shared-npy';
import type { Vocabulary } from '@audio-concepts/decomposer-vocabulary';

/** Where the audio mean m_a comes from (DESIGN §1): never from the input being tagged. */
export type CalibrationSource =
  /** the model's own calibration set (`calibration/audio_embeddings.npy` in its directory), if it ships one */
  | { kind: 'model'; modelDir: string }
  /** a .npy of audio embeddings, or a directory / file of audio to encode */
  | { kind: 'path'; path: string }
  | { kind: 'none' };

export interface ConceptSpaceRequest {
  encoder: ClapEncoder;
  vocabulary: Vocabulary;
  calibration: CalibrationSource;
  /** text embeddings and calibration means are cached here */
  cacheDir: string;
  /** progress messages for slow steps (embedding a vocabulary, encoding a calibration set) */
  log?: (message: string) => void;
}

/** The shipped calibration set of a model directory, in the demo model's layout. */
export const MODEL_CALIBRATION_FILE = join('calibration', 'audio_embeddings.npy');

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.flac', '.ogg', '.opus', '.m4a', '.aac', '.webm', '.mp4']);

/**
 * Builds the concept space of (model, vocabulary, calibration): text embeddings of the bare concept names
 * (cached per model id and vocabulary hash), centered into the dictionary, and the audio mean of the
 * calibration set (cached per model id and calibration input).
 */
export async function buildConceptSpace(
  request: ConceptSpaceRequest,
  runtime: ConceptSpaceRuntime = {},
): Promise<ConceptSpace> {
  const { encoder, vocabulary, cacheDir } = request;
  const log = request.log ?? (() => undefined);
  await mkdir(cacheDir, { recursive: true });
  const text = await embedVocabulary(encoder, vocabulary.terms, join(cacheDir, 'text-embeddings'));
  if (!text.cached)
    log(`embedded the ${vocabulary.terms.length} concepts of vocabulary '${vocabulary.name}' (cached for next time)`);
  const reference = await calibrationEmbeddings(request, log);
  return ConceptSpace.build(
    {
      names: vocabulary.terms,
      textEmbeddingsCxD: text.embeddings,
      d: encoder.dimension,
      audioReferenceNxD: reference?.data,
      modelId: encoder.modelId,
      vocabulary: vocabulary.name,
    },
    runtime,
  );
}

async function calibrationEmbeddings(
  request: ConceptSpaceRequest,
  log: (message: string) => void,
): Promise<{ data: Float32Array; rows: number } | undefined> {
  const { calibration, encoder } = request;
  if (calibration.kind === 'none') return undefined;
  if (calibration.kind === 'model') {
    const file = join(calibration.modelDir, MODEL_CALIBRATION_FILE);
    return existsSync(file) ? checkedEmbeddings(file, encoder.dimension) : undefined;
  }
  const path = resolve(calibration.path);
  if (!existsSync(path)) throw new InvalidInputError(`calibration set ${calibration.path}: no such file or directory`);
  if (extname(path) === '.npy') return checkedEmbeddings(path, encoder.dimension);

  const files = statSync(path).isDirectory() ? await audioFilesIn(path) : [path];
  if (files.length === 0) throw new InvalidInputError(`calibration set ${calibration.path}: no audio files in it`);
  const key = createHash('sha256')
    .update(encoder.modelId)
    .update(
      files
        .map((f) => {
          const { size, mtimeMs } = statSync(f);
          return `${f}\t${size}\t${mtimeMs}`;
        })
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 24);
  const cached = join(request.cacheDir, 'calibration', `${key}.npy`);
  if (existsSync(cached)) return checkedEmbeddings(cached, encoder.dimension);

  log(`encoding the calibration set (${files.length} files) for the audio mean; cached afterwards`);
  const rows: Float32Array[] = [];
  for (const file of files) {
    const audio = await openAudio(file, { sampleRate: encoder.sampleRate });
    for await (const window of windowAudio(audio, {
      sampleRate: encoder.sampleRate,
      windowS: encoder.windowSamples / encoder.sampleRate,
    }))
      rows.push(await encoder.encodeAudio([window.samples]));
  }
  const data = new Float32Array(rows.length * encoder.dimension);
  rows.forEach((r, i) => data.set(r, i * encoder.dimension));
  await mkdir(join(request.cacheDir, 'calibration'), { recursive: true });
  await writeNpy(cached, { data, shape: [rows.length, encoder.dimension], dtype: 'float32' });
  return { data, rows: rows.length };
}

async function checkedEmbeddings(path: string, d: number): Promise<{ data: Float32Array; rows: number }> {
  const m = asFloat32Matrix(await readNpy(path), path);
  if (m.cols !== d)
    throw new ShapeMismatchError(
      `${path}: calibration embeddings of shape [${m.rows}, ${m.cols}] do not match the model's dimension ${d}`,
      ['n', d],
      [m.rows, m.cols],
    );
  if (m.rows === 0) throw new InvalidInputError(`${path}: the calibration set is empty`);
  return { data: m.data, rows: m.rows };
}

async function audioFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && AUDIO_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
}
