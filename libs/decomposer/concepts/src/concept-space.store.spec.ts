import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { encodeNpy, readNpy } from '@audio-concepts/shared-npy';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { plantedEmbeddings, syntheticWorld } from './__fixtures__/synthetic-world';
import { ConceptSpace } from './concept-space';
import {
  CONCEPT_SPACE_FILES,
  loadConceptSpace,
  readConceptSpaceManifest,
  saveConceptSpace,
  type ConceptSpaceManifest,
} from './concept-space.store';

const world = syntheticWorld({ seed: 21 });
const { c, d, names, textEmbeddingsCxD: T, referenceNxD } = world;
const RUNTIME = { threads: 1 };
const space = ConceptSpace.build(
  {
    names,
    textEmbeddingsCxD: T,
    d,
    audioReferenceNxD: referenceNxD,
    modelId: 'demo/clap',
    vocabulary: 'synthetic-40',
    createdAt: '2024-05-06T07:08:09.000Z',
  },
  RUNTIME,
);

let root: string;
let dir: string;
const opened: ConceptSpace[] = [space];
beforeEach(async () => {
  root ??= await mkdtemp(join(tmpdir(), 'concept-space-'));
  dir = join(root, `space-${Math.random().toString(36).slice(2)}`);
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  if (root) await rm(root, { recursive: true, force: true });
});

async function load(path = dir): Promise<ConceptSpace> {
  const loaded = await loadConceptSpace(path, RUNTIME);
  opened.push(loaded);
  return loaded;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Replaces a file and re-signs it in the manifest, so only the content checks can catch it. */
async function replaceSigned(role: keyof typeof CONCEPT_SPACE_FILES, bytes: Uint8Array): Promise<void> {
  await writeFile(join(dir, CONCEPT_SPACE_FILES[role]), bytes);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ConceptSpaceManifest;
  manifest.sha256[role] = sha256(bytes);
  await writeFile(manifestPath, JSON.stringify(manifest));
}

describe('saveConceptSpace / loadConceptSpace', () => {
  it('round-trips arrays, names and metadata exactly, and decomposes identically', async () => {
    await saveConceptSpace(space, dir);
    const loaded = await load();
    expect([loaded.c, loaded.d]).toEqual([c, d]);
    expect(loaded.textEmbeddingsCxD).toEqual(space.textEmbeddingsCxD);
    expect(loaded.dictionaryCxD).toEqual(space.dictionaryCxD);
    expect(loaded.audioMeanD).toEqual(space.audioMeanD);
    expect(loaded.names).toEqual(space.names);
    expect(loaded.metadata).toEqual(space.metadata);
    expect(loaded.audioMeanSource).toBe('calibration');
    expect(loaded.id).toBe(space.id);
    const plans = [{ concepts: [1, 5, 9], coefficients: [1, 0.7, 0.5] }];
    const e = plantedEmbeddings(space, plans);
    const [a, b] = [await space.decompose(e, 1, { lambda: 0.05 }), await loaded.decompose(e, 1, { lambda: 0.05 })];
    expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
  });

  it('writes the documented layout: float32 .npy arrays, one name per line, hashed in the manifest', async () => {
    const manifest = await saveConceptSpace(space, dir);
    expect(await readConceptSpaceManifest(dir)).toEqual(manifest);
    expect(manifest).toMatchObject({
      format: 'audio-concepts/concept-space',
      version: 2,
      id: space.id,
      c,
      d,
      modelId: 'demo/clap',
      vocabulary: 'synthetic-40',
      vocabularyHash: sha256(new TextEncoder().encode(names.join('\n') + '\n')),
      calibrationHash: space.metadata.calibrationHash,
      audioMeanSource: 'calibration',
      createdAt: '2024-05-06T07:08:09.000Z',
      dtype: 'float32',
      files: {
        textEmbeddings: 'text_embeddings.npy',
        dictionary: 'dictionary.npy',
        audioMean: 'audio_mean.npy',
        names: 'concepts.txt',
      },
    });
    for (const role of Object.keys(CONCEPT_SPACE_FILES) as (keyof typeof CONCEPT_SPACE_FILES)[])
      expect(manifest.sha256[role]).toBe(sha256(await readFile(join(dir, CONCEPT_SPACE_FILES[role]))));
    const dictionary = await readNpy(join(dir, 'dictionary.npy'));
    expect([dictionary.dtype, dictionary.shape]).toEqual(['float32', [c, d]]);
    const mean = await readNpy(join(dir, 'audio_mean.npy'));
    expect([mean.dtype, mean.shape]).toEqual(['float32', [d]]);
    expect(await readFile(join(dir, 'concepts.txt'), 'utf8')).toBe(names.join('\n') + '\n');
  });

  it('round-trips a space without calibration (m_a = 0)', async () => {
    const bare = ConceptSpace.build({ textEmbeddingsCxD: T, d }, RUNTIME);
    await saveConceptSpace(bare, dir);
    const loaded = await load();
    expect(loaded.audioMeanSource).toBe('none');
    expect(Array.from(loaded.audioMeanD)).toEqual(new Array(d).fill(0));
    expect(loaded.names[0]).toBe('concept_0');
  });

  it('fails the hash check of a tampered file, naming the file', async () => {
    await saveConceptSpace(space, dir);
    const path = join(dir, 'dictionary.npy');
    const bytes = await readFile(path);
    bytes[bytes.length - 3] ^= 0x01;
    await writeFile(path, bytes);
    await expect(load()).rejects.toThrow(FormatError);
    await expect(load()).rejects.toThrow(`${path} does not match its checksum in the manifest`);
  });

  it('names a missing file and a missing space', async () => {
    await saveConceptSpace(space, dir);
    await unlink(join(dir, 'concepts.txt'));
    await expect(load()).rejects.toThrow(
      `concept space ${dir} is incomplete: ${join(dir, 'concepts.txt')} does not exist`,
    );
    await expect(load(join(root, 'nowhere'))).rejects.toThrow(
      /no concept space at .*nowhere: .*manifest.json does not exist/,
    );
  });

  it('rejects a manifest of another format or version, or with a path outside the directory', async () => {
    await saveConceptSpace(space, dir);
    const path = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...manifest, version: 3 }));
    await expect(load()).rejects.toThrow(/version 3 is not supported \(expected 2\)/);
    await writeFile(path, JSON.stringify({ ...manifest, version: 1 }));
    await expect(load()).rejects.toThrow(
      /version 1 is an older concept space format \(expected 2\): rebuild it with `audio-concepts space build`/,
    );
    await writeFile(path, JSON.stringify({ ...manifest, calibrationHash: 'x' }));
    await expect(load()).rejects.toThrow(/calibrationHash is "x", expected 64 lowercase hex digits or "none"/);
    await writeFile(path, JSON.stringify({ ...manifest, files: { ...manifest.files, names: '../concepts.txt' } }));
    await expect(load()).rejects.toThrow(/files.names is "..\/concepts.txt", expected a plain file name/);
    await writeFile(path, '{ not json');
    await expect(load()).rejects.toThrow(/manifest.json is not valid JSON/);
  });

  it('rejects re-signed files whose content does not fit: name count, shape, a foreign dictionary', async () => {
    await saveConceptSpace(space, dir);
    await replaceSigned('names', new TextEncoder().encode(names.slice(1).join('\n') + '\n'));
    await expect(load()).rejects.toThrow(/concepts.txt has 39 concept names, expected 40/);

    await saveConceptSpace(space, dir);
    await replaceSigned('audioMean', encodeNpy({ data: new Float32Array(d + 1), shape: [d + 1], dtype: 'float32' }));
    await expect(load()).rejects.toThrow(/audio_mean.npy has shape \[17\], expected \[16\]/);

    await saveConceptSpace(space, dir);
    const other = ConceptSpace.build({ textEmbeddingsCxD: syntheticWorld({ seed: 99 }).textEmbeddingsCxD, d }, RUNTIME);
    await replaceSigned('dictionary', encodeNpy({ data: other.dictionaryCxD, shape: [c, d], dtype: 'float32' }));
    await expect(load()).rejects.toThrow(
      /dictionary.npy is not the centered dictionary of .*text_embeddings.npy: row \d+, column \d+ differs by/,
    );
  });
});
