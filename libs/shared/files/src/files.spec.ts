import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryError, makeDirectory, readAt, temporaryPathFor, writeFileAtomic } from './index';

describe('writeFileAtomic', () => {
  it('writes the parts in order and leaves no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const path = join(dir, 'out.bin');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, Buffer.from('ab'), Buffer.from('cd'));
    expect(readFileSync(path, 'utf8')).toBe('abcd');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('keeps the old file and cleans up when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'x'), Buffer.from('x'))).rejects.toThrow('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('temporary names are hidden, unique and in the same directory', () => {
    const a = temporaryPathFor('/data/w.npy');
    expect(a).toMatch(/^\/data\/\.w\.npy\.\d+\.[0-9a-f]{12}\.tmp$/);
    expect(temporaryPathFor('/data/w.npy')).not.toBe(a);
  });
});

describe('readAt', () => {
  it('reads a range, and fewer bytes at the end of the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'files-')), 'f');
    writeFileSync(path, '0123456789');
    const handle = await open(path, 'r');
    try {
      expect(Buffer.from(await readAt(handle, 2, 3)).toString()).toBe('234');
      expect(Buffer.from(await readAt(handle, 8, 5)).toString()).toBe('89');
    } finally {
      await handle.close();
    }
  });
});

describe('makeDirectory', () => {
  it('makes every missing level and accepts an existing directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(dir);
  });

  it('names a file in the way, itself or further up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'files-'));
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    await expect(makeDirectory(file, 'cache directory')).rejects.toThrow(
      `cannot create cache directory ${file}: ${file} is a file, not a directory`,
    );
    const below = makeDirectory(join(file, 'sub', 'deeper'));
    await expect(below).rejects.toBeInstanceOf(DirectoryError);
    await expect(below).rejects.toThrow(`${file} is a file, not a directory`);
  });

  it.skipIf(!existsSync('/proc/self'))('ends under /proc, where recursive mkdir loops forever', async () => {
    const error = await makeDirectory('/proc/nope/deeper').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirectoryError);
    expect((error as DirectoryError).message).toBe(
      'cannot create directory /proc/nope/deeper (at /proc/nope): its parent does not allow new entries (a virtual filesystem such as /proc or /sys?)',
    );
  });
});
