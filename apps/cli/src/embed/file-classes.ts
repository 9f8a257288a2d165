import { basename, dirname, resolve } from 'node:path';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { UsageError } from '../cli-error';

/**
 * The class of each audio file for `embed --classes`: the name of the folder the file is in, which must be one
 * of `classes` (the lines of the --classes file, in the order of the prompts of `embed --labels`). Returns each
 * file's index into `classes`; every file is checked before anything is encoded.
 */
export function classesOfFiles(files: readonly string[], classes: readonly string[], source: string): number[] {
  const index = new Map(classes.map((c, i) => [c, i]));
  const unknown: string[] = [];
  const out = files.map((file) => {
    if (file === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file))
      throw new UsageError(`--classes takes the class of a file from its folder: ${file} is not a file`);
    const name = basename(dirname(resolve(file)));
    const k = index.get(name);
    if (k === undefined) unknown.push(`${file} (folder '${name}')`);
    return k ?? -1;
  });
  if (unknown.length > 0)
    throw new InvalidInputError(
      `${unknown.length} file${unknown.length === 1 ? ' is' : 's are'} in a folder that is not a class of ${source}: ` +
        `${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', …' : ''} (the class of a file is its folder's name)`,
    );
  return out;
}
