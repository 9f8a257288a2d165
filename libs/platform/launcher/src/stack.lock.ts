import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AudioConceptsError } from '@audio-concepts/shared-errors';
import { sleep } from '@audio-concepts/platform-retry';
import { makeStackDir } from './stack.state';

/**
 * One writer of the stack state at a time: `stack up`, `stack down` and the supervisor each decide what to start
 * or stop, and write the state, while holding `<stack dir>/lock` (created exclusively, holding the owner's pid).
 * A lock whose owner no longer runs is stale and taken over.
 */
export const lockFile = (dir: string) => join(dir, 'lock');

/** Takes the lock when it is free (or stale); returns its release, or undefined when another process holds it. */
export function tryLock(dir: string): (() => void) | undefined {
  makeStackDir(dir);
  const file = lockFile(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return () => {
        if (lockHolder(dir) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(dir);
      // No pid yet: its owner is between creating and writing it, unless that was long ago.
      if (holder === undefined ? ageMs(file) < 5_000 : processRuns(holder)) return undefined;
      rmSync(file, { force: true }); // its owner died holding it
    }
  }
  return undefined;
}

/** Runs `work` holding the lock; waits up to `timeoutMs` for it. */
export async function withLock<T>(dir: string, work: () => Promise<T> | T, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let release = tryLock(dir);
  while (!release) {
    if (Date.now() > deadline)
      throw new AudioConceptsError(
        `another stack command (pid ${lockHolder(dir) ?? '?'}) has held ${lockFile(dir)} for over ` +
          `${timeoutMs / 1000} s; wait for it, or delete the file if that process is gone`,
      );
    await sleep(100);
    release = tryLock(dir);
  }
  try {
    return await work();
  } finally {
    release();
  }
}

function lockHolder(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockFile(dir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}
