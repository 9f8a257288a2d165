import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { MissingModelFileError, ModelNotFoundError } from '../model.errors';

/**
 * Which ONNX export of the two towers to run, by transformers.js' names and file suffixes
 * (`DEFAULT_DTYPE_SUFFIX_MAPPING` in its utils/dtypes.js): `onnx/audio_model<suffix>.onnx` and
 * `onnx/text_model<suffix>.onnx`. 'quantized' is 'q8' under its older name. Xenova/clap-htsat-unfused ships fp32,
 * fp16 and q8; other exports may ship others.
 */
export const CLAP_DTYPE_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  quantized: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;

export type ClapDtype = keyof typeof CLAP_DTYPE_SUFFIXES;

/** Every dtype name `ClapEncoder.load` takes. */
export const CLAP_DTYPES = Object.keys(CLAP_DTYPE_SUFFIXES) as ClapDtype[];

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
  const suffix = CLAP_DTYPE_SUFFIXES[dtype];
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
      await dtypesIn(dir),
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

/** The dtypes whose two towers `dir` holds (q8 named once, not again as 'quantized'). */
async function dtypesIn(dir: string): Promise<ClapDtype[]> {
  const dtypes = CLAP_DTYPES.filter((d) => d !== 'quantized');
  const complete = await Promise.all(
    dtypes.map(async (d) => {
      const onnx = clapOnnxFiles(d);
      return (await isFile(join(dir, onnx.audio))) && (await isFile(join(dir, onnx.text)));
    }),
  );
  return dtypes.filter((_, i) => complete[i]);
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
