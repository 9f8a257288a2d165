import { mkdirSync, statSync, type Stats } from 'node:fs';
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
 * in the message ("cache directory"). The directories it makes get `mode` (default 0o777, less the umask).
 */
export async function makeDirectory(path: string, what = 'directory', mode?: number): Promise<void> {
  makeDirectorySync(path, what, mode);
}

/** `makeDirectory` for synchronous callers (a few `stat`s and `mkdir`s, as fast either way). */
export function makeDirectorySync(path: string, what = 'directory', mode?: number): void {
  const target = resolve(path);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const info = statOrError(existing);
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
      mkdirSync(dir, { mode });
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      // Made by someone else meanwhile: fine when it is a directory.
      const made = statOrError(dir);
      if (error.code === 'EEXIST' && !(made instanceof Error) && made.isDirectory()) continue;
      throw failure(path, what, dir, error);
    }
  }
}

function statOrError(path: string): Stats | NodeJS.ErrnoException {
  try {
    return statSync(path);
  } catch (e) {
    return e as NodeJS.ErrnoException;
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
