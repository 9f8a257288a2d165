import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { makeDirectory, writeFileAtomic } from '@audio-concepts/shared-files';
import { basename, join } from 'node:path';
import { AudioConceptsError, FormatError } from '@audio-concepts/shared-errors';
import { asFloat32Matrix, encodeNpy, parseNpy, type NdArray } from '@audio-concepts/shared-npy';
import { ConceptSpace, type AudioMeanSource, type ConceptSpaceRuntime } from './concept-space';

export const CONCEPT_SPACE_FORMAT = 'audio-concepts/concept-space';
/** 2: adds vocabularyHash and calibrationHash, and the id covers the model id. */
export const CONCEPT_SPACE_VERSION = 2;
export const CONCEPT_SPACE_MANIFEST = 'manifest.json';

/** The files of a saved space, by role. */
export const CONCEPT_SPACE_FILES = {
  textEmbeddings: 'text_embeddings.npy',
  dictionary: 'dictionary.npy',
  audioMean: 'audio_mean.npy',
  names: 'concepts.txt',
} as const;

export type ConceptSpaceFileRole = keyof typeof CONCEPT_SPACE_FILES;

/**
 * `manifest.json` of a saved space. Arrays are float32 .npy files (T and C: c×d, m_a: d): float32 is the precision
 * of the embeddings, and the in-memory space holds exactly these values, so a round trip is lossless.
 * `dictionary.npy` is C for outside tools (`decompose --concepts`); loading recomputes C from T and checks it.
 */
export interface ConceptSpaceManifest {
  format: typeof CONCEPT_SPACE_FORMAT;
  version: typeof CONCEPT_SPACE_VERSION;
  /** `ConceptSpace.id`: the content hash of T (hence C), m_a, the names and the model id */
  id: string;
  c: number;
  d: number;
  modelId: string;
  vocabulary: string;
  /** hex SHA-256 of the concept names, one per line (the bytes of concepts.txt) */
  vocabularyHash: string;
  /** hex SHA-256 of the float32 calibration embeddings behind m_a, or 'none' (m_a = 0) */
  calibrationHash: string;
  audioMeanSource: AudioMeanSource;
  createdAt: string;
  dtype: 'float32';
  files: Record<ConceptSpaceFileRole, string>;
  /** Hex SHA-256 of each file, by role. */
  sha256: Record<ConceptSpaceFileRole, string>;
}

/**
 * Largest difference allowed between the stored C and C recomputed from the stored T: a few float32 ulps of a unit
 * vector entry, so another build's summation order passes while a C from different T does not.
 */
export const STORED_DICTIONARY_TOLERANCE = 4 * 2 ** -23;

const ROLES = Object.keys(CONCEPT_SPACE_FILES) as ConceptSpaceFileRole[];

/**
 * Saves `space` into directory `dir` (created if needed): the arrays and names first, each written atomically,
 * then `manifest.json` with their hashes. Returns the manifest.
 */
export async function saveConceptSpace(space: ConceptSpace, dir: string): Promise<ConceptSpaceManifest> {
  await makeDirectory(dir, 'concept space directory');
  const { c, d } = space;
  const contents: Record<ConceptSpaceFileRole, Uint8Array> = {
    textEmbeddings: encodeNpy(float32(space.textEmbeddingsCxD, [c, d])),
    dictionary: encodeNpy(float32(space.dictionaryCxD, [c, d])),
    audioMean: encodeNpy(float32(space.audioMeanD, [d])),
    names: new TextEncoder().encode(space.names.map((name) => `${name}\n`).join('')),
  };
  const sha256 = {} as Record<ConceptSpaceFileRole, string>;
  for (const role of ROLES) {
    await writeFileAtomic(join(dir, CONCEPT_SPACE_FILES[role]), contents[role]);
    sha256[role] = sha256Hex(contents[role]);
  }
  const manifest: ConceptSpaceManifest = {
    format: CONCEPT_SPACE_FORMAT,
    version: CONCEPT_SPACE_VERSION,
    id: space.id,
    c,
    d,
    modelId: space.metadata.modelId,
    vocabulary: space.metadata.vocabulary,
    vocabularyHash: sha256.names,
    calibrationHash: space.metadata.calibrationHash,
    audioMeanSource: space.audioMeanSource,
    createdAt: space.metadata.createdAt,
    dtype: 'float32',
    files: { ...CONCEPT_SPACE_FILES },
    sha256,
  };
  await writeFileAtomic(
    join(dir, CONCEPT_SPACE_MANIFEST),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  return manifest;
}

/** Reads and validates `dir/manifest.json` alone (for listings); the files themselves are not checked. */
export async function readConceptSpaceManifest(dir: string): Promise<ConceptSpaceManifest> {
  const path = join(dir, CONCEPT_SPACE_MANIFEST);
  const bytes = await readExisting(path, `no concept space at ${dir}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FormatError(`${path} is not valid JSON: ${(e as Error).message}`, path);
  }
  return validateManifest(parsed, path);
}

/**
 * Loads a space saved by `saveConceptSpace`: checks the manifest, every file's SHA-256, the array shapes against
 * c and d, the name count, and that the stored C is the centered dictionary of the stored T.
 */
export async function loadConceptSpace(dir: string, runtime: ConceptSpaceRuntime = {}): Promise<ConceptSpace> {
  const manifest = await readConceptSpaceManifest(dir);
  const { c, d } = manifest;
  const bytes = {} as Record<ConceptSpaceFileRole, Uint8Array>;
  for (const role of ROLES) {
    const path = join(dir, manifest.files[role]);
    bytes[role] = await readExisting(path, `concept space ${dir} is incomplete`);
    const actual = sha256Hex(bytes[role]);
    if (actual !== manifest.sha256[role])
      throw new FormatError(
        `${path} does not match its checksum in the manifest: SHA-256 ${actual}, expected ${manifest.sha256[role]} ` +
          '(the file was changed or replaced after the space was saved)',
        path,
      );
  }
  const path = (role: ConceptSpaceFileRole) => join(dir, manifest.files[role]);
  const text = readMatrix(bytes.textEmbeddings, path('textEmbeddings'), c, d);
  const dictionary = readMatrix(bytes.dictionary, path('dictionary'), c, d);
  const audioMean = readVector(bytes.audioMean, path('audioMean'), d);
  const names = parseNames(bytes.names, path('names'), c);
  if (manifest.vocabularyHash !== manifest.sha256.names)
    throw new FormatError(
      `${join(dir, CONCEPT_SPACE_MANIFEST)}: vocabularyHash ${manifest.vocabularyHash} is not the SHA-256 of ` +
        `${path('names')} (${manifest.sha256.names})`,
      dir,
    );

  let space: ConceptSpace;
  try {
    space = ConceptSpace.fromParts(
      {
        names,
        textEmbeddingsCxD: text,
        d,
        audioMeanD: audioMean,
        audioMeanSource: manifest.audioMeanSource,
        metadata: {
          modelId: manifest.modelId,
          vocabulary: manifest.vocabulary,
          createdAt: manifest.createdAt,
          calibrationHash: manifest.calibrationHash,
        },
      },
      runtime,
    );
  } catch (e) {
    if (e instanceof AudioConceptsError) throw new FormatError(`concept space ${dir} is invalid: ${e.message}`, dir);
    throw e;
  }
  let worst = 0;
  let worstAt = 0;
  for (let i = 0; i < dictionary.length; i++) {
    const diff = Math.abs(dictionary[i] - space.dictionaryCxD[i]);
    if (diff > worst) [worst, worstAt] = [diff, i];
  }
  if (worst > STORED_DICTIONARY_TOLERANCE)
    throw new FormatError(
      `${path('dictionary')} is not the centered dictionary of ${path('textEmbeddings')}: row ${Math.floor(worstAt / d)}, ` +
        `column ${worstAt % d} differs by ${worst.toExponential(2)} (tolerance ${STORED_DICTIONARY_TOLERANCE.toExponential(2)})`,
      path('dictionary'),
    );
  if (space.id !== manifest.id)
    throw new FormatError(
      `${join(dir, CONCEPT_SPACE_MANIFEST)} says id ${manifest.id}, but the files give ${space.id}`,
      dir,
    );
  return space;
}

function validateManifest(value: unknown, path: string): ConceptSpaceManifest {
  const fail = (what: string) => new FormatError(`${path}: ${what}`, path);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('expected a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== CONCEPT_SPACE_FORMAT)
    throw fail(`format is ${JSON.stringify(m.format)}, expected ${JSON.stringify(CONCEPT_SPACE_FORMAT)}`);
  if (typeof m.version === 'number' && m.version < CONCEPT_SPACE_VERSION)
    throw fail(
      `version ${m.version} is an older concept space format (expected ${CONCEPT_SPACE_VERSION}): ` +
        'rebuild it with `audio-concepts space build`',
    );
  if (m.version !== CONCEPT_SPACE_VERSION)
    throw fail(`version ${JSON.stringify(m.version)} is not supported (expected ${CONCEPT_SPACE_VERSION})`);
  for (const key of ['c', 'd'])
    if (!Number.isSafeInteger(m[key]) || (m[key] as number) < 1)
      throw fail(`${key} is ${JSON.stringify(m[key])}, expected a positive integer`);
  for (const key of ['id', 'modelId', 'vocabulary', 'createdAt'])
    if (typeof m[key] !== 'string') throw fail(`${key} is ${JSON.stringify(m[key])}, expected a string`);
  if (typeof m.vocabularyHash !== 'string' || !/^[0-9a-f]{64}$/.test(m.vocabularyHash))
    throw fail(`vocabularyHash is ${JSON.stringify(m.vocabularyHash)}, expected 64 lowercase hex digits`);
  if (typeof m.calibrationHash !== 'string' || !/^([0-9a-f]{64}|none)$/.test(m.calibrationHash))
    throw fail(`calibrationHash is ${JSON.stringify(m.calibrationHash)}, expected 64 lowercase hex digits or "none"`);
  if (m.audioMeanSource !== 'calibration' && m.audioMeanSource !== 'none')
    throw fail(`audioMeanSource is ${JSON.stringify(m.audioMeanSource)}, expected "calibration" or "none"`);
  if (m.dtype !== 'float32') throw fail(`dtype is ${JSON.stringify(m.dtype)}, expected "float32"`);
  for (const table of ['files', 'sha256'] as const) {
    const entries = m[table];
    if (typeof entries !== 'object' || entries === null)
      throw fail(`${table} is missing, expected an object by file role`);
    for (const role of ROLES) {
      const entry = (entries as Record<string, unknown>)[role];
      if (typeof entry !== 'string') throw fail(`${table}.${role} is ${JSON.stringify(entry)}, expected a string`);
      if (table === 'files' && (entry !== basename(entry) || entry === '' || entry === '.' || entry === '..'))
        throw fail(
          `files.${role} is ${JSON.stringify(entry)}, expected a plain file name inside the space's directory`,
        );
      if (table === 'sha256' && !/^[0-9a-f]{64}$/.test(entry))
        throw fail(`sha256.${role} is ${JSON.stringify(entry)}, expected 64 lowercase hex digits`);
    }
  }
  return m as unknown as ConceptSpaceManifest;
}

function readMatrix(bytes: Uint8Array, path: string, rows: number, cols: number): Float32Array {
  const arr = parseNpy(bytes, path);
  if (arr.shape.length !== 2 || arr.shape[0] !== rows || arr.shape[1] !== cols)
    throw new FormatError(
      `${path} has shape [${arr.shape.join(', ')}], expected [${rows}, ${cols}] (c × d from the manifest)`,
      path,
    );
  return asFloat32Matrix(arr, path).data;
}

function readVector(bytes: Uint8Array, path: string, length: number): Float32Array {
  const arr = parseNpy(bytes, path);
  if (arr.shape.length !== 1 || arr.shape[0] !== length)
    throw new FormatError(
      `${path} has shape [${arr.shape.join(', ')}], expected [${length}] (d from the manifest)`,
      path,
    );
  return asFloat32Matrix({ ...arr, shape: [1, length] }, path).data;
}

function parseNames(bytes: Uint8Array, path: string, c: number): string[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${path} is not valid UTF-8 text`, path);
  }
  if (!text.endsWith('\n')) throw new FormatError(`${path} must end with a newline (one concept name per line)`, path);
  const names = text.slice(0, -1).split('\n');
  if (names.length !== c)
    throw new FormatError(`${path} has ${names.length} concept names, expected ${c} (c from the manifest)`, path);
  return names;
}

function float32(data: Float32Array, shape: number[]): NdArray {
  return { data, shape, dtype: 'float32' };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readExisting(path: string, context: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new FormatError(`${context}: ${path} does not exist`, path);
    throw new FormatError(`cannot read ${path}: ${(e as Error).message}`, path);
  }
}
