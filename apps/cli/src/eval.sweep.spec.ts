import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@audio-concepts/decomposer-concepts';
import { inspectSvg, writePngArtifact } from '@audio-concepts/shared-plots/testing';
import { writeNpy } from '@audio-concepts/shared-npy';
import { runCli } from './testing/cli.run';

/**
 * `eval sweep` run as a user runs it: every point must equal a separate single-λ run of `eval zero-shot` /
 * `eval retrieval` (same mean L0, same accuracy / R@1), warm start or not. Synthetic world: 5 classes whose prompts
 * are concept rows, clips = their class's concept plus noise; a second concept set holds only half the concepts.
 */
const d = 20;
const c = 36;
const k = 5;
const n = 60;
const rand = mulberry32(31);
const T = Float64Array.from({ length: c * d }, () => rand() - 0.5);
const labels = Int32Array.from({ length: n }, (_, i) => i % k);
const audio = Float64Array.from(
  { length: n * d },
  (_, t) => T[labels[Math.floor(t / d)] * d + (t % d)] + 1.5 * (rand() - 0.5),
);
// captions: one or two per clip (the clip's class concept plus a little noise of its own)
const pairs: number[] = [];
const captionRows: number[][] = [];
for (let i = 0; i < n; i++)
  for (let j = 0; j < 1 + (i % 2); j++) {
    pairs.push(i, captionRows.length);
    captionRows.push(Array.from({ length: d }, (_, t) => audio[i * d + t] + 0.8 * (rand() - 0.5)));
  }
const LAMBDAS = ['0.3', '0.1', '0.03'];

const paths: Record<string, string> = {};
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-sweep-'));
  const write = async (name: string, data: Float64Array | Int32Array, shape: number[]) => {
    paths[name] = join(dir, `${name}.npy`);
    await writeNpy(paths[name], { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
  };
  await write('A', audio, [n, d]);
  await write('y', labels, [n]);
  await write('P', T.slice(0, k * d), [k, d]);
  await write('full', T, [c, d]);
  await write('half', T.slice(0, (c / 2) * d), [c / 2, d]);
  await write(
    'M',
    Float64Array.from({ length: 30 * d }, () => rand() - 0.5),
    [30, d],
  );
  await write('K', Float64Array.from(captionRows.flat()), [captionRows.length, d]);
  await write('PAIRS', Int32Array.from(pairs), [pairs.length / 2, 2]);
});

function json(args: string[]) {
  const r = runCli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('eval sweep', () => {
  it('zero-shot: each point equals a separate eval zero-shot at its λ; CSV, SVG and both timings written', () => {
    const csv = join(dir, 'sweep.csv');
    const svg = join(dir, 'sweep.svg');
    const common = ['--audio', paths.A, '--audio-mean-from', paths.M, '--threads', '1'];
    const zs = ['--labels', paths.y, '--prompts', paths.P];
    const report = json([
      'eval', 'sweep', ...common, ...zs, '--concepts', paths.full, paths.half,
      '--lambdas', LAMBDAS.join(','), '--time-cold', '--csv', csv, '--svg', svg, '--json',
    ]); // prettier-ignore
    expect([report.task, report.metric, report.n]).toEqual(['zero-shot', 'accuracy', n]);
    expect(report.points.map((p: { concepts: string; lambda: number }) => `${p.concepts}@${p.lambda}`)).toEqual(
      ['full', 'half'].flatMap((set) => LAMBDAS.map((l) => `${set}@${Number(l)}`)),
    );
    expect(report.seconds).toBeGreaterThan(0);
    expect(report.cold_seconds).toBeGreaterThan(0);
    for (const point of report.points) {
      const single = json([
        'eval', 'zero-shot', ...common, ...zs, '--concepts', paths[point.concepts], '--lambda', String(point.lambda), '--json',
      ]); // prettier-ignore
      expect(point.value).toBe(single.concept_acc);
      expect(point.l0_mean).toBe(single.l0_mean);
      expect(point.cos_mean).toBeCloseTo(single.cos_mean, 9);
      expect(report.dense).toBe(single.dense_acc);
      expect(point.cold_seconds).toBeGreaterThan(0);
    }
    // mean L0 falls as λ grows, for both sets
    for (const set of ['full', 'half']) {
      const l0 = report.points
        .filter((p: { concepts: string }) => p.concepts === set)
        .map((p: { l0_mean: number }) => p.l0_mean);
      expect(l0).toEqual([...l0].sort((a, b) => a - b));
    }

    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('concepts,lambda,accuracy,l0_mean,cos_mean,seconds,cold_seconds');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[1].split(',').slice(0, 4).map(Number).slice(1)).toEqual([
      0.3,
      report.points[0].value,
      report.points[0].l0_mean,
    ]);

    const text = readFileSync(svg, 'utf8');
    const summary = inspectSvg(text);
    expect(summary.axisTitles).toEqual(
      expect.arrayContaining(['λ', 'zero-shot accuracy', 'mean L0', 'mean cos(r, e)']),
    );
    // three panels: the metric (two sets + the dense line), then mean L0 and mean cosine (two sets each)
    expect(summary.linesPerSeries).toEqual({ full: 3, half: 3, dense: 1 });
    expect(summary.dashedLines).toEqual(['dense']);
    expect(summary.legendLabels).toEqual(expect.arrayContaining(['full', 'half', 'dense']));
    const png = writePngArtifact(text, 'cli-eval-sweep');
    expect(png.distinctColours).toBeGreaterThan(2);
    expect(png.inkFraction).toBeGreaterThan(0.01);
  });

  it('retrieval: each point equals eval retrieval at its λ (concept audio→text R@1), text table by default', () => {
    const common = ['--audio', paths.A, '--audio-mean-from', paths.M, '--threads', '1'];
    const rt = ['--captions', paths.K, '--pairs', paths.PAIRS, '--concepts', paths.full];
    const report = json(['eval', 'sweep', ...common, ...rt, '--lambdas', '0.1,0.03', '--json']);
    expect([report.task, report.metric]).toEqual(['retrieval', 'r1']);
    for (const point of report.points) {
      const single = json(['eval', 'retrieval', ...common, ...rt, '--lambda', String(point.lambda), '--json']);
      expect(point.value).toBe(single.audio_to_text.concept.r1);
      expect(point.l0_mean).toBe(single.l0_mean);
      expect(report.dense).toBe(single.audio_to_text.dense.r1);
    }
    const table = runCli(['eval', 'sweep', ...common, ...rt, '--lambdas', '0.1,0.03']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^retrieval sweep over 2 values of λ; dense R@1 [\d.]+%/);
    expect(table.stdout).toMatch(/solving: [\d.]+ s warm-started\n$/);
  });

  it('bad input: one clear line naming the problem', () => {
    const base = ['eval', 'sweep', '--audio', paths.A, '--concepts', paths.full];
    for (const [args, fragment] of [
      [[...base], 'say what to evaluate'],
      [[...base, '--labels', paths.y], 'needs both --labels and --prompts'],
      [[...base, '--labels', paths.y, '--prompts', paths.P, '--lambdas', '0.1,x'], '--lambdas 0.1,x'],
      [[...base, '--labels', paths.y, '--prompts', paths.P, '--captions', paths.K], 'say what to evaluate'],
    ] as const) {
      const r = runCli([...args]);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(fragment);
    }
  });
});
