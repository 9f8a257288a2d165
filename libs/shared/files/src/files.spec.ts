import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAt, temporaryPathFor, writeFileAtomic } from './index';

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
