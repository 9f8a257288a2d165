import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A hidden, unique temporary name next to `path` (same directory, so the final rename is atomic). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes `parts` one after another to a temporary file next to `path`, flushes it to disk and renames it over
 * `path`: readers see either the old file or the complete new one, never half of it. On failure the
 * temporary file is removed and the error rethrown.
 */
export async function writeFileAtomic(path: string, ...parts: Uint8Array[]): Promise<void> {
  const tmp = temporaryPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx');
    for (const part of parts) await handle.writeFile(part);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
