import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@audio-concepts/decomposer-concepts';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { writeNpy } from '@audio-concepts/shared-npy';

/** `space build|list|show` and `--space` on `tag` and `eval zero-shot`, run as a user runs them (built CLI). */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const D = 16;

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A failing run prints exactly one line on stderr naming the problem, and no stack trace. */
function expectCleanError(r: ReturnType<typeof run>, ...fragments: string[]): void {
  expect(r.code, r.stderr).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  for (const f of fragments) expect(lines[0]).toContain(f);
}

let dir: string;
let cache: string;
let model: string;
let otherModel: string;
let vocab: string;
let calibration: string;
let id: string;
let spaceDir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'space-cli-'));
  cache = join(dir, 'cache');
  model = (await writeTinyClapModel(join(dir, 'model'), { dimension: D })).dir;
  otherModel = (await writeTinyClapModel(join(dir, 'other-model'), { dimension: D + 1 })).dir;
  vocab = join(dir, 'vocab.txt');
  writeFileSync(vocab, 'rain\nthunder\nmusic\nbirds\nwind\nwater\n');
  const rand = mulberry32(8);
  calibration = join(dir, 'calibration.npy');
  await writeNpy(calibration, {
    data: Float32Array.from({ length: 12 * D }, () => rand() - 0.3),
    shape: [12, D],
    dtype: 'float32',
  });
  const r = run('space', 'build', '--model', model, '--vocab', vocab, '--calibrate', calibration, '--cache-dir', cache);
  expect(r.code, r.stderr).toBe(0);
  [id, spaceDir] = r.stdout.trim().split('\t');
});

describe('space build', () => {
  it('writes the space into <cache-dir>/spaces/<id> and prints the id and the path', () => {
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(spaceDir).toBe(join(cache, 'spaces', id));
    const manifest = JSON.parse(readFileSync(join(spaceDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ id, version: 2, c: 6, d: D, vocabulary: 'vocab.txt' });
    expect(manifest.calibrationHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('--out writes elsewhere; the same inputs give the same id', () => {
    const out = join(dir, 'elsewhere');
    const r = run(
      'space',
      'build',
      '--model',
      model,
      '--vocab',
      vocab,
      '--calibrate',
      calibration,
      '--cache-dir',
      cache,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`${id}\t${out}`);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });
});

describe('space list / show', () => {
  it('list --json gives one object per space; the table names it', () => {
    const r = run('space', 'list', '--cache-dir', cache, '--json');
    expect(r.code, r.stderr).toBe(0);
    const spaces = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(spaces).toHaveLength(1);
    expect(Object.keys(spaces[0])).toEqual([
      'id', 'model_id', 'vocabulary', 'vocabulary_hash', 'calibration_hash', 'c', 'd', 'created', 'path',
    ]); // prettier-ignore
    expect(spaces[0]).toMatchObject({ id, c: 6, d: D, path: spaceDir });
    expect(run('space', 'list', '--cache-dir', cache).stdout).toContain(id);
    expect(run('space', 'list', '--cache-dir', join(dir, 'empty')).stderr).toContain('no concept spaces in');
  });

  it('show takes an id, a unique 8-digit prefix or a directory', () => {
    const byId = JSON.parse(run('space', 'show', id, '--cache-dir', cache, '--json').stdout);
    expect(byId).toMatchObject({ id, path: spaceDir, vocabulary: 'vocab.txt' });
    expect(JSON.parse(run('space', 'show', id.slice(0, 8), '--cache-dir', cache, '--json').stdout)).toEqual(byId);
    expect(JSON.parse(run('space', 'show', spaceDir, '--json').stdout)).toEqual(byId);
    expect(run('space', 'show', id, '--cache-dir', cache).stdout).toMatch(new RegExp(`^id: +${id}$`, 'm'));
  });

  it('bad ids: unknown, too short, not a space', () => {
    expectCleanError(
      run('space', 'show', 'feedfacecafebeef', '--cache-dir', cache),
      'no concept space with id feedfacecafebeef',
    );
    expectCleanError(
      run('space', 'show', id.slice(0, 5), '--cache-dir', cache),
      'not a space id (8 to 16 lowercase hex digits)',
    );
    expectCleanError(run('space', 'show', dir, '--cache-dir', cache), 'is a directory but not a concept space');
  });

  it.each(['space', 'space build', 'space list', 'space show'])('"%s --help" exits 0', (line) => {
    const r = run(...line.split(' '), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: audio-concepts');
  });
});

describe.skipIf(!HAS_FFMPEG)('tag --space', () => {
  let audio: string;
  beforeAll(() => {
    audio = makeAudio(lavfiCommand(join(dir, 'tone.ogg'), 'sine=frequency=440', 25));
  });

  it('prints exactly what tag prints when it builds the space itself', () => {
    const built = run(
      'tag',
      audio,
      '--model',
      model,
      '--vocab',
      vocab,
      '--calibrate',
      calibration,
      '--cache-dir',
      cache,
      '--json',
    );
    const stored = run('tag', audio, '--model', model, '--space', id, '--cache-dir', cache, '--json');
    expect(built.code, built.stderr).toBe(0);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stdout.trim().split('\n')).toHaveLength(3);
    expect(stored.stdout).toBe(built.stdout);
  });

  it("refuses a model that is not the space's, naming both ids", () => {
    const r = run('tag', audio, '--model', otherModel, '--space', id, '--cache-dir', cache);
    expectCleanError(r, `concept space ${id}`, 'was built for model', 'has id');
  });

  it('refuses a tampered space and an old manifest version', () => {
    const copy = join(dir, 'tampered');
    expect(run('space', 'build', '--model', model, '--vocab', vocab, '--cache-dir', cache, '--out', copy).code).toBe(0);
    const manifestPath = join(copy, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, version: 1 }));
    expectCleanError(run('tag', audio, '--model', model, '--space', copy), 'older concept space format', 'space build');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    writeFileSync(join(copy, 'concepts.txt'), 'rain\nthunder\nmusic\nbirds\nwind\nfire\n');
    expectCleanError(run('tag', audio, '--model', model, '--space', copy), 'does not match its checksum');
  });
});

describe('eval zero-shot --space', () => {
  it('gives the same figures as --concepts T.npy --audio-mean-from M.npy', async () => {
    const rand = mulberry32(4);
    const [n, k] = [30, 3];
    const write = async (name: string, data: Float64Array | Int32Array, shape: number[]) => {
      const path = join(dir, name);
      await writeNpy(path, { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
      return path;
    };
    const common = [
      'eval', 'zero-shot',
      '--audio', await write('A.npy', Float64Array.from({ length: n * D }, () => rand() - 0.5), [n, D]),
      '--labels', await write('y.npy', Int32Array.from({ length: n }, (_, i) => i % k), [n]),
      '--prompts', await write('P.npy', Float64Array.from({ length: k * D }, () => rand() - 0.5), [k, D]),
      '--lambda', '0.05', '--json', '--threads', '1',
    ]; // prettier-ignore
    const fromArrays = run(
      ...common,
      '--concepts',
      join(spaceDir, 'text_embeddings.npy'),
      '--audio-mean-from',
      calibration,
    );
    const fromSpace = run(...common, '--space', id, '--cache-dir', cache);
    expect(fromArrays.code, fromArrays.stderr).toBe(0);
    expect(fromSpace.code, fromSpace.stderr).toBe(0);
    expect(JSON.parse(fromSpace.stdout)).toEqual(JSON.parse(fromArrays.stdout));
    expectCleanError(run(...common, '--space', id, '--concepts', calibration), '--space replaces --concepts');
    expectCleanError(run(...common), 'give the concepts');
  });
});
