import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/** The edges of `tag` and `space build` that users met (issue 9, item 7), run as a user runs them (built CLI). */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const DEMO_CALIBRATION = join(ROOT, 'models', 'clap-demo', 'calibration', 'audio_embeddings.npy');

let dir: string;
let cache: string;

/** Runs the CLI with a bounded wait: a hang ends as a timeout (signal set), never as a stuck test run. */
function cli(args: string[], stdin?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input: stdin ?? Buffer.alloc(0),
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

const synth = (name: string, source: string, seconds: number) =>
  makeAudio(lavfiCommand(join(dir, name), source, seconds));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edges-cli-'));
  cache = join(dir, 'cache');
});

describe.skipIf(!HAS_FFMPEG)('--cache-dir that cannot be a directory', () => {
  it('under /proc: a clear error naming the directory, exit 1 (was: a mkdir loop that never ended)', () => {
    const r = cli(['tag', synth('a.wav', 'sine=frequency=440', 2), '--cache-dir', '/proc/nope']);
    expect(r.signal, 'timed out: the CLI hangs').toBeNull();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('/proc/nope');
    expect(r.stderr).toMatch(/cannot create/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a file: a clear error naming it, exit 1 (was: exit 70, internal error: EEXIST)', () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    for (const args of [
      ['tag', synth('b.wav', 'sine=frequency=440', 2), '--cache-dir', file],
      ['space', 'build', '--cache-dir', file],
    ]) {
      const r = cli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${file} is a file, not a directory`);
      expect(r.stderr).not.toContain('internal error');
    }
  });
});

describe.skipIf(!HAS_FFMPEG)('stdin', () => {
  it('an MP4/M4A with its index at the end: says so and suggests a file (was: "no audio in stdin")', () => {
    // ffmpeg writes the moov atom after the audio unless told otherwise: unreadable from a pipe.
    const m4a = join(dir, 'late-moov.m4a');
    makeAudio({
      file: m4a,
      argv: ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-c:a', 'aac', '-f', 'mp4', m4a],
    }); // prettier-ignore
    const r = cli(['tag', '-', '--cache-dir', cache], readFileSync(m4a));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('stdin');
    expect(r.stderr).toMatch(/MP4/);
    expect(r.stderr).toMatch(/moov/);
    expect(r.stderr).toMatch(/pass the file/);
    // The same file by path decodes.
    expect(cli(['tag', m4a, '--cache-dir', cache]).code).toBe(0);
  });

  it('empty: "stdin is empty" (was: an ffmpeg message about the data)', () => {
    const r = cli(['tag', '-', '--cache-dir', cache], Buffer.alloc(0));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('stdin is empty');
  });
});

describe.skipIf(!HAS_FFMPEG)('--calibrate', () => {
  it('warns when the calibration set is small (was: silent, fidelity 0.99 → 0.81)', () => {
    const one = join(dir, 'one-file');
    mkdirSync(one);
    synth(join('one-file', 'hum.wav'), 'sine=frequency=60', 5);
    const input = synth('siren.wav', 'sine=frequency=900', 12);
    const r = cli(['tag', input, '--calibrate', one, '--cache-dir', cache]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the calibration set .* has 1 window/);
    const plain = cli(['tag', input, '--cache-dir', cache]); // the demo model's own set: 200 windows
    expect(plain.stderr).not.toContain('warning');
  });

  it('takes a folder holding only a .npy of embeddings (was: "no audio files in it")', () => {
    const npyDir = join(dir, 'npy-only');
    mkdirSync(npyDir);
    copyFileSync(DEMO_CALIBRATION, join(npyDir, 'embeddings.npy'));
    const input = synth('tone.wav', 'sine=frequency=1000', 5);
    const viaDir = cli(['tag', input, '--calibrate', npyDir, '--json', '--cache-dir', cache]);
    expect(viaDir.code, viaDir.stderr).toBe(0);
    const viaFile = cli(['tag', input, '--calibrate', join(npyDir, 'embeddings.npy'), '--json', '--cache-dir', cache]);
    expect(viaDir.stdout).toBe(viaFile.stdout);
  });

  it('refuses a folder holding both audio and a .npy: ambiguous', () => {
    const both = join(dir, 'both');
    mkdirSync(both);
    copyFileSync(DEMO_CALIBRATION, join(both, 'embeddings.npy'));
    synth(join('both', 'hum.wav'), 'sine=frequency=60', 3);
    const r = cli(['tag', synth('c.wav', 'sine=frequency=440', 2), '--calibrate', both, '--cache-dir', cache]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('embeddings.npy');
    expect(r.stderr).toContain('hum.wav');
    expect(r.stderr).toMatch(/ambiguous/);
  });
});
