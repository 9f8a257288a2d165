import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Hex characters kept of the sha256: 64 bits, ample to tell models apart, short enough for file names. */
export const MODEL_ID_LENGTH = 16;

/**
 * A content hash of a model: sha256 over each file's relative path, byte length and bytes, in sorted path
 * order, as hex, cut to MODEL_ID_LENGTH. Only names relative to `dir` enter it, so every copy of the
 * directory gets the same id and any edit (or a different dtype's tower) gets another.
 */
export async function computeModelId(dir: string, relativeFiles: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...relativeFiles].sort()) {
    const path = join(dir, file);
    const { size } = await stat(path);
    hash.update(`${file}\0${size}\0`);
    // Streamed: real towers are hundreds of MB.
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, MODEL_ID_LENGTH);
}
