import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/** `tag` on several inputs at once (files, a folder, a quoted glob), run as a user runs it. */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');

let dir: string;
let folder: string;
let common: string[];

function tag(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'tag', ...args, ...common], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const streams = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).stream as string);
const tone = (file: string, seconds: number) => makeAudio(lavfiCommand(file, 'sine=frequency=700', seconds));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-inputs-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  writeFileSync(join(dir, 'vocab.txt'), 'rain\nthunder\nmusic\nbirds\nwind\nwater\n');
  common = ['--model', model.dir, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache')];
  folder = join(dir, 'folder');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  mkdirSync(join(folder, '.hidden'));
  tone(join(folder, 'b.wav'), 3);
  tone(join(folder, 'a.flac'), 3);
  tone(join(folder, 'sub', 'c.MP3'), 12);
  tone(join(folder, '.hidden', 'd.wav'), 3);
  writeFileSync(join(folder, 'notes.txt'), 'not audio\n');
  writeFileSync(join(folder, '._b.wav'), 'an AppleDouble file, not audio\n');
});

describe.skipIf(!HAS_FFMPEG)('tag with many inputs', () => {
  it('a folder: its audio files by extension, recursively and sorted; the count and a summary per file on stderr; one model load', () => {
    const r = tag(folder, '--json');
    expect(r.code, r.stderr).toBe(0);
    const [a, b, c] = [join(folder, 'a.flac'), join(folder, 'b.wav'), join(folder, 'sub', 'c.MP3')];
    expect(streams(r.stdout)).toEqual([a, b, c, c]);
    expect(r.stderr).toContain(`${folder}: 3 audio files`);
    const lines = r.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('model '))).toHaveLength(1);
    for (const [file, windows] of [
      [a, 1],
      [b, 1],
      [c, 2],
    ] as const)
      // prettier-ignore
      expect(lines.filter((l) => l.startsWith(`${file}: ${windows} window`)), r.stderr).toHaveLength(1);
  });

  it('several files and a quoted glob, in the order given (a glob sorted)', () => {
    const r = tag(join(folder, '**', '*.{wav,MP3}'), join(folder, 'a.flac'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const c = join(folder, 'sub', 'c.MP3');
    expect(streams(r.stdout)).toEqual([join(folder, 'b.wav'), c, c, join(folder, 'a.flac')]);
  });

  it('the text table heads each file with its name when there are several', () => {
    const r = tag(join(folder, 'a.flac'), join(folder, 'b.wav'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`==> ${join(folder, 'a.flac')} <==\n`);
    expect(r.stdout).toContain(`==> ${join(folder, 'b.wav')} <==\n`);
  });

  it('a folder without audio files is a clear error', () => {
    const empty = join(dir, 'no-audio');
    mkdirSync(empty);
    writeFileSync(join(empty, 'readme.txt'), 'nothing here\n');
    const r = tag(empty);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${empty}: no audio files`);
  });

  it('a glob that matches nothing is a clear error', () => {
    const r = tag(join(folder, '*.ogg'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no file matches ${join(folder, '*.ogg')}`);
  });

  it('one bad file among many is named, the others are tagged, exit 3 at the end', () => {
    const corrupt = join(dir, 'corrupt.mp3');
    writeFileSync(corrupt, Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));
    const missing = join(dir, 'missing.wav');
    const [a, c] = [join(folder, 'a.flac'), join(folder, 'sub', 'c.MP3')];
    const r = tag(a, corrupt, missing, c, '--json');
    expect(r.code, r.stderr).toBe(3);
    expect(streams(r.stdout)).toEqual([a, c, c]);
    expect(r.stderr).toContain(corrupt);
    expect(r.stderr).toContain(`${missing}: no such file`);
    expect(r.stderr.trim().split('\n').at(-1)).toContain('2 of 4 inputs failed');
  });
});
