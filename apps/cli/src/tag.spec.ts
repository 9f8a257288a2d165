import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/** `tag` run as a user runs it (built CLI), on a tiny real model and files made by ffmpeg. */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');

let dir: string;
let common: string[];

function tag(input: string, extra: string[] = [], stdin?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, 'tag', input, ...common, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    input: stdin,
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const synth = (name: string, source: string, seconds: number) =>
  makeAudio(lavfiCommand(join(dir, name), source, seconds));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-cli-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  writeFileSync(join(dir, 'vocab.txt'), 'rain\nthunder\nmusic\nbirds\nwind\nwater\n');
  common = ['--model', model.dir, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache')];
});

describe.skipIf(!HAS_FFMPEG)('tag', () => {
  it('prints one JSON line per window with the DESIGN §4 keys: 35 s → 4 windows, the last one padded', () => {
    const r = tag(synth('tone.ogg', 'sine=frequency=440', 35), ['--json', '--top', '2']);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(frames.map((f) => f.window_seq)).toEqual([0, 1, 2, 3]);
    expect(frames.map((f) => [f.start_s, Math.round(f.end_s)])).toEqual([[0, 10], [10, 20], [20, 30], [30, 35]]); // prettier-ignore
    for (const f of frames) {
      // the DESIGN §4 keys, then the model and concept space
      expect(Object.keys(f)).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'concepts', 'cosine', 'l0', 'lambda', 'model_id', 'concept_space_id', 'fit', 'unknown']); // prettier-ignore
      expect(f.concepts.length).toBeLessThanOrEqual(2);
      const weights = f.concepts.map((c: { weight: number }) => c.weight);
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
      expect(f.l0).toBeGreaterThanOrEqual(f.concepts.length);
    }
    expect(r.stderr).toContain('audio mean m_a = 0');
  });

  it('--max-concepts K: at most K concepts per window, λ raised above --lambda where the window needed it', () => {
    const file = synth('pink.ogg', 'anoisesrc=color=pink:amplitude=0.3', 30);
    const frames = (extra: string[]) => {
      const r = tag(file, ['--json', '--lambda', '0.001', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    };
    const plain = frames([]);
    expect(plain.every((f) => f.lambda === 0.001)).toBe(true);
    expect(Math.max(...plain.map((f) => f.l0))).toBeGreaterThan(2);
    const capped = frames(['--max-concepts', '2']);
    expect(capped).toHaveLength(plain.length);
    for (const [i, f] of capped.entries()) {
      expect(f.l0).toBeLessThanOrEqual(2);
      expect(f.concepts).toHaveLength(f.l0);
      if (plain[i].l0 <= 2) expect(f).toEqual(plain[i]);
      else expect(f.lambda).toBeGreaterThan(0.001);
    }
  });

  it('says, before the tags, that a benchmark-only model (random weights) makes them meaningless', async () => {
    const benchmark = await writeTinyClapModel(join(dir, 'benchmark-model'), { dimension: 16, benchmarkOnly: true });
    const file = synth('tone-benchmark.ogg', 'sine=frequency=440', 3);
    const r = tag(file, ['--model', benchmark.dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `warning: ${benchmark.dir} is a benchmark model (CLAP's architecture, random weights): its embeddings and tags are meaningless`,
    );
    expect(tag(file, ['--json']).stderr).not.toContain('benchmark model');
  });

  it('reads stdin with -, and --window/--hop set the windows', () => {
    const file = synth('noise.flac', 'anoisesrc=color=white:amplitude=0.2', 12);
    const r = tag('-', ['--json', '--window', '4', '--hop', '2'], readFileSync(file));
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(frames[0].stream).toBe('stdin');
    expect(frames.map((f) => f.start_s)).toEqual([0, 2, 4, 6, 8]);
  });

  it('prints a readable table by default', () => {
    const r = tag(synth('short.wav', 'sine=frequency=1000', 3));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.replace(/\n$/, '')).toMatch(
      /^00:00\.0–00:03\.0 {2}\w+ \d\.\d{3}.*\(cos \d\.\d\d, fit \d\.\d\d, \d+ concepts?\)( {2}unknown: nothing in the vocabulary fits)?$/,
    );
    expect(r.stderr).toContain('vocabulary');
  });

  it('shows progress on stderr for a file, and --calibrate DIR replaces m_a = 0', () => {
    const file = synth('progress.mp3', 'sine=frequency=300', 25);
    const plain = tag(file);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toContain(`${file}: 3/3 windows (100%`);
    expect(plain.stderr).toContain('audio mean m_a = 0');
    mkdirSync(join(dir, 'calibration'));
    synth(join('calibration', 'pink.wav'), 'anoisesrc=color=pink:amplitude=0.3', 12);
    synth(join('calibration', 'tone.flac'), 'sine=frequency=2000', 5);
    const calibrated = tag(file, ['--calibrate', join(dir, 'calibration')]);
    expect(calibrated.code, calibrated.stderr).toBe(0);
    expect(calibrated.stderr).toContain('encoding the calibration set (2 files)');
    expect(calibrated.stderr).not.toContain('m_a = 0');
    expect(calibrated.stdout).not.toBe(plain.stdout);
    const again = tag(file, ['--calibrate', join(dir, 'calibration')]);
    expect(again.stderr).not.toContain('encoding the calibration set'); // cached
    expect(again.stdout).toBe(calibrated.stdout);
  });

  describe('bad input: one error line on stderr naming the input, exit 1', () => {
    // A file that fails to open does so before the model loads: the error is all there is. One that fails to
    // decode does so after the model line (printed as soon as the model is loaded).
    const expectOneLine = (r: ReturnType<typeof tag>, ...fragments: string[]) => {
      expect(r.code).toBe(1);
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^(model |note: no calibration set)/.test(l));
      expect(lines, r.stderr).toHaveLength(1);
      for (const f of fragments) expect(lines[0]).toContain(f);
    };

    it('a missing file', () => expectOneLine(tag(join(dir, 'missing.mp3')), 'missing.mp3', 'no such file'));

    it('an empty file', () => {
      writeFileSync(join(dir, 'empty.mp3'), '');
      expectOneLine(tag(join(dir, 'empty.mp3')), 'empty.mp3', 'no audio');
    });

    it('a corrupt file', () => {
      writeFileSync(join(dir, 'corrupt.mp3'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251)));
      expectOneLine(tag(join(dir, 'corrupt.mp3')), 'corrupt.mp3');
    });

    it('a truncated WAV', () => {
      const bytes = readFileSync(synth('full.wav', 'sine=frequency=500', 2));
      writeFileSync(join(dir, 'truncated.wav'), bytes.subarray(0, 30));
      expectOneLine(tag(join(dir, 'truncated.wav')), 'truncated.wav');
    });

    it('a file that is not audio', () => {
      writeFileSync(join(dir, 'notes.txt'), 'these are not the sounds you are looking for\n');
      expectOneLine(tag(join(dir, 'notes.txt')), 'notes.txt');
    });

    it('an unreadable path (a directory)', () => {
      mkdirSync(join(dir, 'folder.wav'));
      expectOneLine(tag(join(dir, 'folder.wav')), 'folder.wav');
    });
  });
});
