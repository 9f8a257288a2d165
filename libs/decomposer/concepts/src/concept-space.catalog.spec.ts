import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticWorld } from './__fixtures__/synthetic-world';
import { ConceptSpace } from './concept-space';
import { listConceptSpaces, resolveConceptSpace } from './concept-space.catalog';
import { saveConceptSpace } from './concept-space.store';

const world = syntheticWorld({ seed: 5 });
const spaceOf = (modelId: string) =>
  ConceptSpace.build(
    { names: world.names, textEmbeddingsCxD: world.textEmbeddingsCxD, d: world.d, modelId },
    { threads: 1 },
  );

let store: string;
const ids: string[] = [];
beforeAll(async () => {
  store = await mkdtemp(join(tmpdir(), 'space-store-'));
  for (const modelId of ['model-a', 'model-b', 'model-c']) {
    const space = spaceOf(modelId);
    ids.push(space.id);
    await saveConceptSpace(space, join(store, space.id));
  }
  await mkdir(join(store, 'broken'));
  await writeFile(join(store, 'broken', 'manifest.json'), '{}');
});
afterAll(() => rm(store, { recursive: true, force: true }));

describe('listConceptSpaces', () => {
  it('lists every space of the store with its manifest, and a broken entry with its problem', async () => {
    const listed = await listConceptSpaces(store);
    expect(listed.filter((s) => s.manifest).map((s) => s.manifest!.id)).toEqual([...ids].sort());
    const broken = listed.find((s) => s.dir.endsWith('broken'));
    expect(broken?.problem).toMatch(/manifest.json: format is undefined/);
    expect(await listConceptSpaces(join(store, 'nowhere'))).toEqual([]);
  });
});

describe('resolveConceptSpace', () => {
  it('takes a directory, an id, or a unique id prefix of at least 8 digits', async () => {
    expect(await resolveConceptSpace(join(store, ids[0]), store)).toBe(join(store, ids[0]));
    expect(await resolveConceptSpace(ids[1], store)).toBe(join(store, ids[1]));
    expect(await resolveConceptSpace(ids[2].slice(0, 8), store)).toBe(join(store, ids[2]));
  });

  it('names the problem: unknown id, too short or not hex, a directory without a space', async () => {
    await expect(resolveConceptSpace('feedfacecafebeef', store)).rejects.toThrow(InvalidInputError);
    await expect(resolveConceptSpace('feedfacecafebeef', store)).rejects.toThrow(
      `no concept space with id feedfacecafebeef in the store ${store} (list them with \`audio-concepts space list\``,
    );
    await expect(resolveConceptSpace('abc', store)).rejects.toThrow(
      /concept space "abc": no such directory, and not a space id \(8 to 16 lowercase hex digits\)/,
    );
    await expect(resolveConceptSpace(store, store)).rejects.toThrow(
      `${store} is a directory but not a concept space: it has no manifest.json`,
    );
  });

  it('refuses an ambiguous prefix, listing the candidates', async () => {
    const twin = join(store, 'twin');
    const [first] = await listConceptSpaces(store);
    // A copy under another directory name: same id twice in the store.
    await mkdir(twin);
    for (const file of ['manifest.json']) await writeFile(join(twin, file), JSON.stringify(first.manifest));
    const prefix = first.manifest!.id.slice(0, 8);
    await expect(resolveConceptSpace(prefix, store)).rejects.toThrow(
      `concept space id prefix ${prefix} is ambiguous in ${store}: it matches ${first.manifest!.id}, ${first.manifest!.id}`,
    );
    await rm(twin, { recursive: true });
  });
});
