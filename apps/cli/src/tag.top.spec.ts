import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { runCli } from './testing/cli.run';

/**
 * `tag --top`: frames carry every non-zero concept; JSON, CSV and TSV print them all unless --top K, the text table
 * shows DEFAULTS.tableTop (5) and says how many more there are. A tiny real model with 14 concepts at λ 0.05 gives
 * windows of more than 5.
 */
let dir: string;
let common: string[];
let file: string;

const tag = (...args: string[]) => runCli(['tag', file, ...common, ...args]);

interface JsonFrame {
  window_seq: number;
  concepts: { label: string; weight: number }[];
  l0: number;
}
const jsonFrames = (stdout: string): JsonFrame[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-top-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  const vocabulary = 'rain thunder dog barking car engine traffic speech music guitar piano birds wind water';
  writeFileSync(join(dir, 'vocab.txt'), `${vocabulary.split(' ').join('\n')}\n`);
  common = ['--model', model.dir, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache')];
  common.push('--lambda', '0.05', '--no-progress');
  file = makeAudio(lavfiCommand(join(dir, 'noise.flac'), 'anoisesrc=color=pink:amplitude=0.3', 40));
});

describe.skipIf(!HAS_FFMPEG)('tag --top', () => {
  let all: JsonFrame[];
  beforeAll(() => {
    const r = tag('--json');
    expect(r.code, r.stderr).toBe(0);
    all = jsonFrames(r.stdout);
  });

  it('--json without --top prints every non-zero concept of each window, largest first (was the top 5)', () => {
    expect(all).toHaveLength(4);
    for (const frame of all) {
      expect(frame.concepts).toHaveLength(frame.l0);
      const weights = frame.concepts.map((c) => c.weight);
      expect(weights).toEqual([...weights].sort((a, b) => b - a));
      expect(weights.every((w) => w > 0)).toBe(true);
    }
    expect(all.some((f) => f.l0 > 5)).toBe(true);
  });

  it('--json --top K prints the K largest; l0 still counts them all', () => {
    const r = tag('--json', '--top', '2');
    expect(r.code, r.stderr).toBe(0);
    const top = jsonFrames(r.stdout);
    expect(top.map((f) => f.l0)).toEqual(all.map((f) => f.l0));
    top.forEach((f, i) => expect(f.concepts.map((c) => c.label)).toEqual(all[i].concepts.slice(0, 2).map((c) => c.label))); // prettier-ignore
  });

  it.each(['csv', 'tsv'])('%s prints a row per non-zero concept unless --top', (format) => {
    const rows = (text: string) => text.trim().split('\n').slice(1);
    const r = tag('--format', format);
    expect(r.code, r.stderr).toBe(0);
    expect(rows(r.stdout)).toHaveLength(all.reduce((n, f) => n + f.l0, 0));
    const top = tag('--format', format, '--top', '3');
    expect(rows(top.stdout)).toHaveLength(all.reduce((n, f) => n + Math.min(3, f.l0), 0));
  });

  it('the text table shows 5 concepts (DEFAULTS.tableTop) or --top K, and says how many more there are', () => {
    const lines = (text: string) => text.trim().split('\n');
    const shown = (line: string) =>
      line
        .split('   (')[0]
        .split('; ')
        .filter((part) => !part.endsWith(' more'));
    const r = tag();
    expect(r.code, r.stderr).toBe(0);
    lines(r.stdout).forEach((line, i) => {
      const { l0 } = all[i];
      expect(shown(line)).toHaveLength(Math.min(5, l0));
      if (l0 > 5) expect(line).toContain(`; + ${l0 - 5} more   (cos `);
      else expect(line).not.toContain(' more');
      expect(line).toMatch(new RegExp(`, ${l0} concepts?\\)`));
    });
    const two = tag('--top', '2');
    expect(all.every((f) => f.l0 > 2)).toBe(true);
    lines(two.stdout).forEach((line, i) => expect(line).toContain(`; + ${all[i].l0 - 2} more   (cos `));
  });

  it.each(['0', '-1', '2.5', 'five', ''])('--top %j is a usage error (exit 2) naming the option', (value) => {
    const r = tag('--top', value);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`option '--top <K>' argument '${value}' is invalid. expected an integer ≥ 1`);
    expect(r.stdout).toBe('');
  });
});
