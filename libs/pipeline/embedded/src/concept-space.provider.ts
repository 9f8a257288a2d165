import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { embedVocabulary, type ClapEncoder } from '@audio-concepts/encoder-clap';
import { ConceptSpace, type ConceptSpaceRuntime } from '@audio-concepts/decomposer-concepts';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { makeDirectory } from '@audio-concepts/shared-files';
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

/**
 * Below this many windows the calibration set draws a warning. On the demo model (README "Calibration"), sets of
 * k windows drawn from its own 200 give a mean cosine of 0.83 (k = 1), 0.92 (2), 0.95 (4), 0.97 (8), 0.98 (16),
 * 0.99 (200): from 16 on it is within 0.015 of the full set.
 */
export const MIN_CALIBRATION_WINDOWS = 16;

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
  await makeDirectory(cacheDir, 'cache directory');
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
    return existsSync(file) ? warnIfSmall(await checkedEmbeddings(file, encoder.dimension), file, log) : undefined;
  }
  const input = await calibrationInput(calibration.path);
  const reference =
    input.kind === 'npy'
      ? await checkedEmbeddings(input.file, encoder.dimension)
      : await encodedCalibration(request, input.files, log);
  return warnIfSmall(reference, calibration.path, log);
}

/** What a `--calibrate` path holds: a .npy of embeddings (the file, or a folder's only .npy) or audio files. */
async function calibrationInput(
  given: string,
): Promise<{ kind: 'npy'; file: string } | { kind: 'audio'; files: string[] }> {
  const path = resolve(given);
  if (!existsSync(path)) throw new InvalidInputError(`calibration set ${given}: no such file or directory`);
  if (!statSync(path).isDirectory())
    return extname(path).toLowerCase() === '.npy' ? { kind: 'npy', file: path } : { kind: 'audio', files: [path] };
  const { audio, npy } = await calibrationFilesIn(path);
  const names = (files: string[]) => files.map((f) => basename(f)).join(', ');
  if (npy.length > 0 && audio.length > 0)
    throw new InvalidInputError(
      `calibration set ${given} is ambiguous: it holds embeddings (${names(npy)}) and audio (${names(audio)}); ` +
        'pass the .npy itself, or a folder of audio only',
    );
  if (npy.length > 1)
    throw new InvalidInputError(`calibration set ${given} holds ${npy.length} .npy files (${names(npy)}): pass one`);
  if (npy.length === 1) return { kind: 'npy', file: npy[0] };
  if (audio.length === 0)
    throw new InvalidInputError(`calibration set ${given}: no audio files and no .npy of embeddings in it`);
  return { kind: 'audio', files: audio };
}

/** The audio embeddings of every window of `files`, cached per model id and the files' paths, sizes and times. */
async function encodedCalibration(
  request: ConceptSpaceRequest,
  files: string[],
  log: (message: string) => void,
): Promise<{ data: Float32Array; rows: number }> {
  const { encoder } = request;
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
  await makeDirectory(join(request.cacheDir, 'calibration'), 'cache directory');
  await writeNpy(cached, { data, shape: [rows.length, encoder.dimension], dtype: 'float32' });
  return { data, rows: rows.length };
}

/**
 * Says when m_a comes from fewer than MIN_CALIBRATION_WINDOWS windows: a mean of a few windows is mostly those
 * sounds, and subtracting it skews every frame (measured on the demo model, README "Calibration").
 */
function warnIfSmall<T extends { rows: number }>(reference: T, label: string, log: (message: string) => void): T {
  if (reference.rows < MIN_CALIBRATION_WINDOWS)
    log(
      `warning: the calibration set ${label} has ${reference.rows} window${reference.rows === 1 ? '' : 's'}; ` +
        `an audio mean m_a from fewer than ${MIN_CALIBRATION_WINDOWS} windows of varied audio skews the concepts ` +
        '(on the demo model the mean cosine falls from 0.99 to 0.83 with 1 window, 0.95 with 4): add more audio',
    );
  return reference;
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

/** The audio files and the .npy files directly in `dir`, each sorted. */
async function calibrationFilesIn(dir: string): Promise<{ audio: string[]; npy: string[] }> {
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const extension = (name: string) => extname(name).toLowerCase();
  return {
    audio: files.filter((f) => AUDIO_EXTENSIONS.has(extension(f))).map((f) => join(dir, f)),
    npy: files.filter((f) => extension(f) === '.npy').map((f) => join(dir, f)),
  };
}
