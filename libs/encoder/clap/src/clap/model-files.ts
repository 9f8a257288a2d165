import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { MissingModelFileError, ModelNotFoundError } from '../model.errors';

/** Which ONNX export of the two towers to run: `onnx/*_model.onnx` or `onnx/*_model_quantized.onnx`. */
export type ClapDtype = 'fp32' | 'quantized';

/** Configuration files of the transformers.js layout, relative to the model directory (DESIGN §2). */
export const CLAP_CONFIG_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

export interface ClapOnnxFiles {
  audio: string;
  text: string;
}

/** The tower files of a dtype, relative to the model directory (names as Xenova's CLAP exports use them). */
export function clapOnnxFiles(dtype: ClapDtype): ClapOnnxFiles {
  const suffix = dtype === 'quantized' ? '_quantized' : '';
  return { audio: `onnx/audio_model${suffix}.onnx`, text: `onnx/text_model${suffix}.onnx` };
}

/** Every file a CLAP model directory of `dtype` must hold, relative to it. */
export function clapModelFiles(dtype: ClapDtype): string[] {
  const onnx = clapOnnxFiles(dtype);
  return [...CLAP_CONFIG_FILES, onnx.audio, onnx.text];
}

/** The parsed JSON files of a checked model directory, plus its absolute tower paths. */
export interface ClapModelDir {
  dir: string;
  dtype: ClapDtype;
  /** Every file that defines the model, relative to `dir`: what the model id hashes. */
  files: string[];
  onnx: ClapOnnxFiles;
  config: Record<string, unknown>;
  preprocessorConfig: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/**
 * Checks that `dir` is a CLAP model directory for `dtype` and parses its JSON files. Throws
 * ModelNotFoundError (no such directory), MissingModelFileError (listing what is expected and, for the
 * towers, what onnx/ does hold) or FormatError (malformed JSON, naming the file).
 */
export async function readClapModelDir(dir: string, dtype: ClapDtype): Promise<ClapModelDir> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new ModelNotFoundError(`model directory ${dir} does not exist`, dir);
  if (!info.isDirectory())
    throw new ModelNotFoundError(`model path ${dir} is a file; a CLAP model is a directory (DESIGN §2 layout)`, dir);

  const expected = clapModelFiles(dtype);
  const present = await Promise.all(expected.map((f) => isFile(join(dir, f))));
  const missing = expected.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    const onnxListing = await readdir(join(dir, 'onnx')).catch(() => undefined);
    const found =
      onnxListing === undefined
        ? 'it has no onnx/ folder'
        : `onnx/ holds ${onnxListing.filter((f) => f.endsWith('.onnx')).join(', ') || 'no .onnx file'}`;
    const hint = missing.some((f) => f.startsWith('onnx/'))
      ? ` (${found}; dtype '${dtype}' selects ${clapOnnxFiles(dtype).audio} and ${clapOnnxFiles(dtype).text})`
      : '';
    throw new MissingModelFileError(
      `model directory ${dir} lacks ${missing.join(', ')}${hint}; a CLAP model directory needs ${expected.join(', ')}`,
      dir,
      missing,
      expected,
    );
  }

  const onnx = clapOnnxFiles(dtype);
  // External weights (`*.onnx_data`) load from next to the model file; they are part of the model too.
  const externalData = (
    await Promise.all(
      [onnx.audio, onnx.text].map(async (f) => ((await isFile(join(dir, `${f}_data`))) ? [`${f}_data`] : [])),
    )
  ).flat();
  const [config, preprocessorConfig, tokenizerConfig] = await Promise.all(
    ['config.json', 'preprocessor_config.json', 'tokenizer_config.json'].map((f) => readJsonObject(join(dir, f))),
  );
  // tokenizer.json is parsed by transformers.js; checking it here gives a malformed file a message with its path.
  await readJsonObject(join(dir, 'tokenizer.json'));
  return { dir, dtype, files: [...expected, ...externalData], onnx, config, preprocessorConfig, tokenizerConfig };
}

/** Reads a JSON file that must hold an object; FormatError (with the path) otherwise. */
export async function readJsonObject(path: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FormatError(`${path} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, path);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new FormatError(
      `${path} must hold a JSON object, found ${Array.isArray(value) ? 'an array' : String(value)}`,
      path,
    );
  return value as Record<string, unknown>;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
