import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConceptSpace, mulberry32 } from '@audio-concepts/decomposer-concepts';
import { writeNpy } from '@audio-concepts/shared-npy';
import { inspectSvg, writePngArtifact } from '@audio-concepts/shared-plots/testing';
import { runCli } from './testing/cli.run';

/**
 * `eval classes` on a synthetic labelled set (built CLI, as a user runs it): each class's rows are two of the
 * concepts plus noise; class 3 has no row. The JSON is checked against a direct computation: the same space
 * decomposed here, w averaged by hand over each class's rows.
 */
const d = 16;
const c = 12;
const n = 30;
const LAMBDA = 0.05;
const CLASS_NAMES = ['dog', 'cat', 'rain', 'silence'];
const CONCEPT_NAMES = Array.from({ length: c }, (_, j) => `word ${j}`);

let dir: string;
let T: Float64Array;
let audio: Float64Array;
let reference: Float64Array;
let labels: Int32Array;
let args: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-classes-'));
  const rand = mulberry32(5);
  T = Float64Array.from({ length: c * d }, () => rand() - 0.5);
  labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  audio = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < d; t++)
      audio[i * d + t] = T[labels[i] * d + t] + 0.5 * T[(labels[i] + 5) * d + t] + 0.1 * (rand() - 0.5);
  reference = Float64Array.from({ length: 20 * d }, () => rand() - 0.5);
  const file = async (name: string, data: Float64Array | Int32Array, shape: number[]) => {
    const path = join(dir, name);
    await writeNpy(path, { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
    return path;
  };
  writeFileSync(join(dir, 'classes.txt'), CLASS_NAMES.join('\n') + '\n');
  writeFileSync(join(dir, 'names.txt'), CONCEPT_NAMES.join('\n') + '\n');
  args = [
    'eval',
    'classes',
    '--audio',
    await file('A.npy', audio, [n, d]),
    '--labels',
    await file('y.npy', labels, [n]),
    '--concepts',
    await file('T.npy', T, [c, d]),
    '--audio-mean-from',
    await file('M.npy', reference, [20, d]),
    '--concept-names',
    join(dir, 'names.txt'),
    '--class-names',
    join(dir, 'classes.txt'),
    '--lambda',
    String(LAMBDA),
  ];
});

/** Mean w per class by hand, then the non-zero means by weight (ties by concept index), the first `top`. */
async function expectedTop(top: number): Promise<{ n: number; top: { label: string; weight: number }[] }[]> {
  const space = ConceptSpace.build({ textEmbeddingsCxD: T, d, audioReferenceNxD: reference }, { threads: 1 });
  const { weights } = await space.decompose(audio, n, { lambda: LAMBDA });
  await space.close();
  return CLASS_NAMES.map((_, k) => {
    const rows = [...labels.keys()].filter((i) => labels[i] === k);
    const mean = Array.from({ length: c }, (_, j) => rows.reduce((s, i) => s + weights[i * c + j], 0) / rows.length);
    const ranked = mean
      .map((weight, j) => ({ j, weight }))
      .filter((x) => rows.length > 0 && x.weight !== 0)
      .sort((a, b) => b.weight - a.weight || a.j - b.j);
    return { n: rows.length, top: ranked.slice(0, top).map((x) => ({ label: CONCEPT_NAMES[x.j], weight: x.weight })) };
  });
}

describe('eval classes', () => {
  it('--json: the top concepts of each class by mean prominence, an empty class listed with n = 0', async () => {
    const r = runCli([...args, '--top', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['lambda', 'n', 'concepts', 'groups']);
    expect([report.lambda, report.n, report.concepts]).toEqual([LAMBDA, n, c]);
    expect(report.groups.map((g: { group: string; index: number }) => [g.group, g.index])).toEqual(
      CLASS_NAMES.map((name, k) => [name, k]),
    );

    const expected = await expectedTop(3);
    expect(report.groups[3]).toEqual({ group: 'silence', index: 3, n: 0, top: [] });
    for (const [k, group] of report.groups.entries()) {
      expect(group.n).toBe(expected[k].n);
      expect(group.top.map((x: { label: string }) => x.label)).toEqual(expected[k].top.map((x) => x.label));
      group.top.forEach((x: { weight: number }, rank: number) =>
        expect(Math.abs(x.weight - expected[k].top[rank].weight)).toBeLessThan(1e-6),
      );
    }
    // each class's own concept leads it (rows are concept k plus half of concept k + 5)
    expect(report.groups.slice(0, 3).map((g: { top: { label: string }[] }) => g.top[0].label)).toEqual([
      'word 0',
      'word 1',
      'word 2',
    ]);
  });

  it('--svg: one panel per class and one bar per (class, concept) listed, kept as a PNG', () => {
    const svgPath = join(dir, 'classes.svg');
    const r = runCli([...args, '--top', '4', '--json', '--svg', svgPath]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const svg = readFileSync(svgPath, 'utf8');
    const summary = inspectSvg(svg);

    const listed = report.groups.flatMap((g: { top: { label: string }[] }) => g.top.map((x) => x.label));
    expect(listed.length).toBe(12); // 3 classes × 4; the empty class has none
    expect(summary.bars).toEqual(listed);
    expect(summary.titles).toEqual([
      'dog (10 windows)',
      'cat (10 windows)',
      'rain (10 windows)',
      'silence (0 windows)',
      `Top concepts per class (λ = ${LAMBDA})`,
    ]);
    expect(summary.axisTitles).toContain('mean prominence (mean w over the windows)');
    const png = writePngArtifact(svg, 'cli-eval-classes');
    expect(png.distinctColours).toBeGreaterThan(3);
    expect(png.inkFraction).toBeGreaterThan(0.01);
  });

  it('prints a table by default, and names a label beyond the class names in one line', async () => {
    const r = runCli([...args, '--top', '2']);
    expect(r.code, r.stderr).toBe(0);
    const expected = await expectedTop(2);
    expect(r.stdout).toContain('silence (0 rows)\n  (no rows)');
    expect(r.stdout).toContain(
      `dog (10 rows)\n   1. ${expected[0].top[0].label}  ${expected[0].top[0].weight.toFixed(4)}`,
    );

    writeFileSync(join(dir, 'two.txt'), 'dog\ncat\n');
    const bad = runCli(args.map((a) => (a.endsWith('classes.txt') ? join(dir, 'two.txt') : a)));
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('2 class names, but the labels go up to class 2');
  });
});
