import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '@audio-concepts/shared-errors';

/** Reads one concept name per line (blank trailing lines ignored) and checks there is one per concept. */
export async function readConceptNames(path: string, expected: number): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  const names = text.split(/\r?\n/);
  while (names.length > 0 && names[names.length - 1].trim() === '') names.pop();
  if (names.length !== expected)
    throw new InvalidInputError(
      `${path}: ${names.length} concept names for ${expected} concepts (one name per line expected)`,
    );
  return names.map((n) => n.trim());
}
