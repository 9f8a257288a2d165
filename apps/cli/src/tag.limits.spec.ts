import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/** `tag`'s flags at the model's edges: a window longer than the model takes, and the model file variant. */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');

let dir: string;
let model: string;
let file: string;

function tag(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    [BIN, 'tag', file, '--model', model, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache'), ...args], // prettier-ignore
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-limits-'));
  // nb_max_samples 480000 at 48 kHz: windows of at most 10 s, as CLAP's
  model = (await writeTinyClapModel(join(dir, 'model'), { dimension: 16, quantized: true })).dir;
  writeFileSync(join(dir, 'vocab.txt'), 'rain\nthunder\nmusic\nbirds\nwind\nwater\n');
  if (HAS_FFMPEG) file = makeAudio(lavfiCommand(join(dir, 'tone.wav'), 'sine=frequency=440', 12));
});

describe.skipIf(!HAS_FFMPEG)('tag at the model’s edges', () => {
  it('--window longer than the model takes is a usage error naming --window and the limit', () => {
    const r = tag('--window', '30');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^audio-concepts: error: --window 30 .*10 s/);
    expect(r.stdout).toBe('');
    expect(tag('--window', '10', '--json').code).toBe(0);
  });

  it('--dtype quantized loads onnx/*_quantized.onnx: another model id; an unknown dtype is a usage error', () => {
    const id = (stderr: string) => stderr.match(/^model .*\[([0-9a-f]+)\]/m)?.[1];
    const fp32 = tag('--json');
    const quantized = tag('--json', '--dtype', 'quantized');
    expect(fp32.code, fp32.stderr).toBe(0);
    expect(quantized.code, quantized.stderr).toBe(0);
    expect(id(quantized.stderr)).toBeDefined();
    expect(id(quantized.stderr)).not.toBe(id(fp32.stderr));
    const bad = tag('--dtype', 'fp64');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dtype');
  });
});
