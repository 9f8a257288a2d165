import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError, errorMessage } from '@audio-concepts/shared-errors';
import { CONCEPT_SPACE_MANIFEST, readConceptSpaceManifest, type ConceptSpaceManifest } from './concept-space.store';

/** The store of built spaces: `<cache-dir>/spaces/<id>/`, one directory per space, named by its id. */
export const CONCEPT_SPACE_STORE_SUBDIR = 'spaces';

/** Shortest id prefix `resolveConceptSpace` accepts (hex digits). */
export const MIN_SPACE_ID_PREFIX = 8;

/** One entry of the store: its manifest, or why it could not be read. */
export interface StoredConceptSpace {
  dir: string;
  manifest?: ConceptSpaceManifest;
  /** set when the manifest is missing or invalid */
  problem?: string;
}

/** `<cacheDir>/spaces` */
export function conceptSpaceStoreDir(cacheDir: string): string {
  return join(cacheDir, CONCEPT_SPACE_STORE_SUBDIR);
}

/** The store's directory for the space with `id`. */
export function conceptSpaceDirIn(storeDir: string, id: string): string {
  return join(storeDir, id);
}

/** Every sub-directory of `storeDir` with its manifest (or the problem reading it), by id; [] without a store. */
export async function listConceptSpaces(storeDir: string): Promise<StoredConceptSpace[]> {
  if (!existsSync(storeDir)) return [];
  const entries = await readdir(storeDir, { withFileTypes: true });
  const spaces: StoredConceptSpace[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(storeDir, entry.name);
    try {
      spaces.push({ dir, manifest: await readConceptSpaceManifest(dir) });
    } catch (error) {
      spaces.push({ dir, problem: errorMessage(error) });
    }
  }
  return spaces;
}

/**
 * The directory of the space `ref` names: a directory path (holding a manifest.json), else a space id or a unique
 * id prefix of at least MIN_SPACE_ID_PREFIX hex digits in `storeDir`. Throws InvalidInputError naming the problem:
 * no such space, an ambiguous prefix, a directory without a space.
 */
export async function resolveConceptSpace(ref: string, storeDir: string): Promise<string> {
  const asPath = resolve(ref);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    if (!existsSync(join(asPath, CONCEPT_SPACE_MANIFEST)))
      throw new InvalidInputError(`${ref} is a directory but not a concept space: it has no ${CONCEPT_SPACE_MANIFEST}`);
    return asPath;
  }
  const hint = 'list them with `audio-concepts space list`, build one with `audio-concepts space build`';
  if (!new RegExp(`^[0-9a-f]{${MIN_SPACE_ID_PREFIX},}$`).test(ref))
    throw new InvalidInputError(
      `concept space ${JSON.stringify(ref)}: no such directory, and not a space id ` +
        `(${MIN_SPACE_ID_PREFIX} to 16 lowercase hex digits)`,
    );
  const matches = (await listConceptSpaces(storeDir)).filter((s) => s.manifest?.id.startsWith(ref));
  if (matches.length === 0)
    throw new InvalidInputError(`no concept space with id ${ref} in the store ${storeDir} (${hint})`);
  if (matches.length > 1)
    throw new InvalidInputError(
      `concept space id prefix ${ref} is ambiguous in ${storeDir}: it matches ` +
        `${matches.map((s) => s.manifest!.id).join(', ')}; give more digits`,
    );
  return matches[0].dir;
}
