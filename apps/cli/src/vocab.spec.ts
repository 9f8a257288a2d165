import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { writeNpy } from '@audio-concepts/shared-npy';
import { runCli } from './testing/cli.run';

/** `vocab build` run as a user runs it (after `npm run build`), and its output read by `embed --vocab`. */
let dir: string;

/** FSD50K-shaped clip metadata: tag t with count c is on clips 0 … c−1. */
const COUNTS: [string, number][] = [
  ['rain', 6],
  ['cough', 5],
  ['shit', 5],
  ['coughing', 4],
  ['dogg', 4],
  ['coughs', 3],
  ['x', 3],
  ['42', 3],
  ['automobile', 2],
  ['car', 1],
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vocab-cli-'));
  const clips: Record<string, { title: string; tags: string[] }> = {};
  for (let clip = 0; clip < 6; clip++)
    clips[String(1000 + clip)] = { title: `${clip}.wav`, tags: COUNTS.filter(([, c]) => clip < c).map(([t]) => t) };
  writeFileSync(join(dir, 'dev_clips_info_FSD50K.json'), JSON.stringify(clips));
});

describe('vocab build', () => {
  it('pruned: a file that embed --vocab reads, with cough/coughs/coughing as cough', () => {
    const out = join(dir, 'pruned.txt');
    const r = runCli([
      'vocab',
      'build',
      '--method',
      'pruned',
      '--tags',
      join(dir, 'dev_clips_info_FSD50K.json'),
      '--size',
      '10',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      method: 'pruned',
      out,
      size: 10,
      kept: 3,
      tags_read: 10,
      candidates: 9,
    });
    expect(r.stderr).toContain(`vocab build: wrote 3 terms (fewer than the 10 asked) (pruned, from 10 tags) to ${out}`);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('# method: pruned\n');
    const vocabulary = parseVocabulary(text, 'pruned.txt');
    expect(vocabulary.terms).toEqual(['cough', 'rain', 'automobile']);
    expect(vocabulary.frequencies).toEqual([12, 6, 3]);

    const embedded = runCli(['embed', '--vocab', out, '--out', join(dir, 'pruned.npy')]);
    expect(embedded.code, embedded.stderr).toBe(0);
    expect(readFileSync(join(dir, 'pruned.names.txt'), 'utf8')).toBe('cough\nrain\nautomobile\n');
  });

  it('clustered with precomputed embeddings: one tag per cluster of near-duplicates, the same file for a seed', async () => {
    // Two clusters in d = 8: the tag on each centre is the one written; the others sit at centre ± an offset.
    const normal = gaussian(mulberry32(3));
    const rows: [string, number[]][] = [];
    for (const [axis, names] of [
      [0, ['dog barking', 'dog bark', 'barking dog']],
      [4, ['rain', 'light rain', 'rain on roof']],
    ] as const) {
      const centre = Array.from({ length: 8 }, (_, t) => (t === axis ? 1 : 0));
      const offset = centre.map((v) => (v === 0 ? 0.05 * normal() : 0));
      rows.push([names[0], centre], [names[1], centre.map((v, t) => v + offset[t])]);
      rows.push([names[2], centre.map((v, t) => v - offset[t])]);
    }
    await writeNpy(join(dir, 'T.npy'), {
      data: Float32Array.from(rows.flatMap(([, r]) => r)),
      shape: [6, 8],
      dtype: 'float32',
    });
    writeFileSync(join(dir, 'T.names.txt'), rows.map(([n]) => `${n}\n`).join(''));
    writeFileSync(join(dir, 'tags.tsv'), rows.map(([n], i) => `${n}\t${10 + i}\n`).join(''));

    const build = (out: string) =>
      runCli([
        'vocab',
        'build',
        '--method',
        'clustered',
        '--tags',
        join(dir, 'tags.tsv'),
        '--embeddings',
        join(dir, 'T.npy'),
        '--size',
        '2',
        '--seed',
        '7',
        '--out',
        out,
      ]);
    const [a, b] = [build(join(dir, 'a.txt')), build(join(dir, 'b.txt'))];
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/k-means iteration 1: inertia/);
    const text = readFileSync(join(dir, 'a.txt'), 'utf8');
    expect(parseVocabulary(text, 'a.txt').terms).toEqual(['rain', 'dog barking']); // by count: rain 13, dog barking 10
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe(text);
  });

  it('says what is wrong with the flags or the input', () => {
    const tags = join(dir, 'dev_clips_info_FSD50K.json');
    const misplaced = runCli([
      'vocab',
      'build',
      '--method',
      'baseline',
      '--tags',
      tags,
      '--size',
      '3',
      '--model',
      'm',
      '--out',
      'o.txt',
    ]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--model is for --method clustered');
    writeFileSync(join(dir, 'bad.json'), '{"1000": {"tags": "rain"}}');
    const bad = runCli([
      'vocab',
      'build',
      '--method',
      'baseline',
      '--tags',
      join(dir, 'bad.json'),
      '--size',
      '3',
      '--out',
      join(dir, 'o.txt'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(dir, 'bad.json')}: clip '1000': "tags" is string "rain", not a list`);
  });
});
