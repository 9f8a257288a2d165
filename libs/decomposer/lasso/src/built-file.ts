import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the library's build step puts `name` (a kernel): next to the compiled code (dist/), or, from sources (the
 * specs), in ../dist. `file` is the first that exists; `candidates` are all the places looked, for messages.
 */
export function builtFile(name: string): { file: string | undefined; candidates: string[] } {
  const candidates = [join(__dirname, name), join(__dirname, '..', 'dist', name)];
  return { file: candidates.find((f) => existsSync(f)), candidates };
}
