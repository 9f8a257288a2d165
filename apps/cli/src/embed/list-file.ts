import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/**
 * The lines of a list file (`--text`, `--labels`, `--classes`): one item per line, trimmed, blank lines skipped;
 * nothing else is special (a `#` is part of the text). An empty list is an error; so is a repeat when `unique`.
 */
export async function readListFile(path: string, what: string, unique: boolean): Promise<string[]> {
  const items: string[] = [];
  const seen = new Map<string, number>();
  (await readFile(path, 'utf8')).split(/\r?\n/).forEach((raw, index) => {
    const item = raw.trim();
    if (item === '') return;
    if (unique && seen.has(item))
      throw new InvalidInputError(`${path}:${index + 1}: ${what} '${item}' repeats line ${seen.get(item)}`);
    seen.set(item, index + 1);
    items.push(item);
  });
  if (items.length === 0) throw new InvalidInputError(`${path}: no ${what} in it (one per line expected)`);
  return items;
}
