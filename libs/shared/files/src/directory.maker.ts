import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';

/** A directory that cannot be created or used: `path` is the one asked for, `blocker` the part that stops it. */
export class DirectoryError extends AudioConceptsError {
  constructor(
    message: string,
    readonly path: string,
    readonly blocker: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * `mkdir -p` that always ends. Node's `mkdir(path, { recursive: true })` loops forever where a parent exists
 * but refuses children with ENOENT (a path under /proc: each try makes the parent "exist" and the child fail
 * again); here each missing level is made once, parents first, and any failure is a DirectoryError naming the
 * path and why (a file in the way, a read-only or virtual filesystem, permissions). `what` names the directory
 * in the message ("cache directory").
 */
export async function makeDirectory(path: string, what = 'directory'): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const info = await stat(existing).catch((e: NodeJS.ErrnoException) => e);
    if (!(info instanceof Error)) {
      if (!info.isDirectory())
        throw new DirectoryError(
          `cannot create ${what} ${path}: ${existing} is a file, not a directory`,
          target,
          existing,
        );
      break;
    }
    // ENOTDIR: a file further up; the walk reaches it and names it.
    if (info.code !== 'ENOENT' && info.code !== 'ENOTDIR') throw failure(path, what, existing, info);
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const dir of missing) {
    try {
      await mkdir(dir);
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      // Made by someone else meanwhile: fine when it is a directory.
      if (error.code === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory()) continue;
      throw failure(path, what, dir, error);
    }
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'its parent does not allow new entries (a virtual filesystem such as /proc or /sys?)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only filesystem',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  EEXIST: 'a file of that name is in the way',
};

function failure(path: string, what: string, at: string, error: NodeJS.ErrnoException): DirectoryError {
  const reason = REASONS[error.code ?? ''] ?? error.message;
  const where = at === resolve(path) ? '' : ` (at ${at})`;
  return new DirectoryError(`cannot create ${what} ${path}${where}: ${reason}`, resolve(path), at, { cause: error });
}
