import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@audio-concepts/decomposer-concepts';
import { MultilabelAveragePrecision, macroF1 } from '@audio-concepts/evaluation-metrics';
import { writeNpy } from '@audio-concepts/shared-npy';
import { runCli } from './testing/cli.run';

/**
 * `eval zero-shot` macro-F1, `--multilabel` mAP and `--bootstrap` intervals, run as a user runs them (built CLI).
 * A synthetic world of 6 classes whose prompts are concept embeddings; clip i is its class's concept plus strong
 * noise, so the dense classifier makes mistakes. The dense figures are computed here directly (cosines by loops).
 */
const d = 24;
const c = 30;
const k = 6;
const n = 90;
const rand = mulberry32(8);
const T = Float64Array.from({ length: c * d }, () => rand() - 0.5);
const prompts = T.slice(0, k * d);
// class 5 has no clip (an empty class unless predicted)
const labels = Int32Array.from({ length: n }, (_, i) => i % (k - 1));
const audio = new Float64Array(n * d);
for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) audio[i * d + t] = T[labels[i] * d + t] + 3 * (rand() - 0.5);
// multi-label targets: the clip's class, plus class (y + 1) mod 6 for every third clip
const targets = Int32Array.from({ length: n * k }, (_, j) => {
  const [i, col] = [Math.floor(j / k), j % k];
  return col === labels[i] || (i % 3 === 0 && col === (labels[i] + 1) % k) ? 1 : 0;
});

/** cos(e_i, t_j), n×k, by plain loops. */
function denseCosines(): Float64Array {
  const out = new Float64Array(n * k);
  const norm = (m: Float64Array, r: number) => Math.hypot(...m.subarray(r * d, (r + 1) * d));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += audio[i * d + t] * prompts[j * d + t];
      out[i * k + j] = s / (norm(audio, i) * norm(prompts, j));
    }
  return out;
}

const paths: Record<string, string> = {};
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-zero-shot-'));
  const write = async (name: string, data: Float64Array | Int32Array, shape: number[]) => {
    paths[name] = join(dir, `${name}.npy`);
    await writeNpy(paths[name], { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
  };
  await write('A', audio, [n, d]);
  await write('y', labels, [n]);
  await write('Y', targets, [n, k]);
  await write('P', prompts, [k, d]);
  await write('T', T, [c, d]);
  await write(
    'M',
    Float64Array.from({ length: 20 * d }, () => rand() - 0.5),
    [20, d],
  );
});

const base = () => [
  'eval',
  'zero-shot',
  '--audio',
  paths.A,
  '--prompts',
  paths.P,
  '--concepts',
  paths.T,
  '--audio-mean-from',
  paths.M,
  '--lambda',
  '0.05',
  '--threads',
  '1',
  '--json',
];
const KEYS = ['n', 'concepts', 'dense_acc', 'concept_acc', 'l0_mean', 'cos_mean', 'dense_f1', 'concept_f1'];

describe('eval zero-shot: macro-F1, --multilabel mAP, --bootstrap', () => {
  it('adds dense_f1 and concept_f1 after the unchanged keys; dense F1 and mAP equal the direct computation', () => {
    const r = runCli([...base(), '--labels', paths.y, '--multilabel', paths.Y]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([...KEYS, 'dense_map', 'concept_map']);
    const cos = denseCosines();
    const predictions = Int32Array.from({ length: n }, (_, i) => {
      const row = Array.from(cos.subarray(i * k, (i + 1) * k));
      return row.indexOf(Math.max(...row));
    });
    const accuracy = predictions.filter((p, i) => p === labels[i]).length / n;
    expect(accuracy).toBeGreaterThan(0.3);
    expect(accuracy).toBeLessThan(1);
    expect(report.dense_acc).toBeCloseTo(accuracy, 12);
    expect(report.dense_f1).toBeCloseTo(macroF1(labels, predictions), 12);
    expect(report.dense_map).toBeCloseTo(new MultilabelAveragePrecision(cos, targets, n, k).map(), 12);
    for (const key of ['concept_acc', 'concept_f1', 'concept_map']) {
      expect(report[key]).toBeGreaterThan(0);
      expect(report[key]).toBeLessThanOrEqual(1);
    }
  });

  it('--multilabel alone: accuracy and F1 are null; neither labels nor targets is a usage error', () => {
    const r = runCli([...base(), '--multilabel', paths.Y]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect([report.dense_acc, report.concept_acc, report.dense_f1, report.concept_f1]).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(report.dense_map).toBeGreaterThan(0);
    const none = runCli(base());
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      'audio-concepts: error: give the true classes: --labels y.npy, --multilabel Y.npy or both',
    );
  });

  it('--bootstrap N: "ci" holds [lo, hi] around every figure, the same for the same seed', () => {
    const args = [...base(), '--labels', paths.y, '--multilabel', paths.Y, '--bootstrap', '300'];
    const r = runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([...KEYS, 'dense_map', 'concept_map', 'ci']);
    expect(Object.keys(report.ci)).toEqual(KEYS.slice(2).concat('dense_map', 'concept_map'));
    for (const [key, [lo, hi]] of Object.entries(report.ci as Record<string, [number, number]>)) {
      expect(lo, key).toBeLessThanOrEqual(report[key]);
      expect(hi, key).toBeGreaterThanOrEqual(report[key]);
      expect(hi, key).toBeGreaterThan(lo);
    }
    expect(runCli(args).stdout).toBe(r.stdout);
    expect(runCli([...args, '--bootstrap-seed', '1']).stdout).not.toBe(r.stdout);
  });

  it('bad targets: one clear line naming the entry or the shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-zero-shot-bad-'));
    const bad = join(dir, 'Y.npy');
    const two = targets.slice();
    two[4 * k + 1] = 2;
    await writeNpy(bad, { data: two, shape: [n, k], dtype: 'int32' });
    const r = runCli([...base(), '--multilabel', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('entry [4, 1] is 2; it holds 0 or 1');
    const short = join(dir, 'Y-short.npy');
    await writeNpy(short, { data: targets.subarray(k), shape: [n - 1, k], dtype: 'int32' });
    const s = runCli([...base(), '--multilabel', short]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`${n - 1} rows for ${n} audio rows`);
  });
});
