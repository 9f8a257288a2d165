import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConceptSpace, mulberry32 } from '@audio-concepts/decomposer-concepts';
import {
  relevanceFromPairs,
  retrievalPerQuery,
  summarizeRetrieval,
  type RetrievalPerQuery,
} from '@audio-concepts/evaluation-metrics';
import { writeNpy } from '@audio-concepts/shared-npy';
import { runCli, type CliResult } from './testing/cli.run';

/**
 * `eval retrieval` run as a user runs it (built CLI) on a synthetic world: 30 clips, each with 1 to 3 captions that
 * are the clip's embedding plus noise, one caption paired with no clip and one clip with no caption. The expected
 * figures are computed here directly: cosines by plain loops, r by ConceptSpace.decompose, ranks by the metrics lib.
 */
const D = 16;
const C = 24;
const N_AUDIO = 30;
const LAMBDA = 0.05;
const rand = mulberry32(21);
const T = Float64Array.from({ length: C * D }, () => rand() - 0.5);
const reference = Float64Array.from({ length: 30 * D }, () => rand() - 0.5);
// each clip a mix of two random concepts
const audio = new Float64Array(N_AUDIO * D);
for (let i = 0; i < N_AUDIO; i++) {
  const [a, b] = [Math.floor(rand() * C), Math.floor(rand() * C)];
  for (let t = 0; t < D; t++) audio[i * D + t] = T[a * D + t] + 0.7 * T[b * D + t];
}
const pairs: number[] = [];
const captionRows: number[][] = [];
for (let i = 0; i < N_AUDIO - 1; i++)
  // the last clip has no caption
  for (let j = 0; j < 1 + (i % 3); j++) {
    pairs.push(i, captionRows.length);
    captionRows.push(Array.from({ length: D }, (_, t) => audio[i * D + t] + 2.5 * (rand() - 0.5)));
  }
captionRows.push(Array.from({ length: D }, () => rand() - 0.5)); // a caption of no clip
const N_CAPTIONS = captionRows.length;
const captions = Float64Array.from(captionRows.flat());

let dir: string;
const paths: Record<string, string> = {};
const space = ConceptSpace.build({ textEmbeddingsCxD: T, d: D, audioReferenceNxD: reference }, { threads: 1 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'eval-retrieval-'));
  const write = async (name: string, data: Float64Array | BigInt64Array | Int32Array, shape: number[]) => {
    const dtype = data instanceof Float64Array ? 'float64' : data instanceof Int32Array ? 'int32' : 'int64';
    paths[name] = join(dir, `${name}.npy`);
    await writeNpy(paths[name], { data, shape, dtype });
  };
  await write('A', audio, [N_AUDIO, D]);
  await write('K', captions, [N_CAPTIONS, D]);
  await write('PAIRS', BigInt64Array.from(pairs, BigInt), [pairs.length / 2, 2]);
  await write('T', T, [C, D]);
  await write('M', reference, [30, D]);
});
afterAll(() => space.close());

const args = () => [
  'eval',
  'retrieval',
  '--audio',
  paths.A,
  '--captions',
  paths.K,
  '--pairs',
  paths.PAIRS,
  '--concepts',
  paths.T,
  '--audio-mean-from',
  paths.M,
  '--lambda',
  String(LAMBDA),
  '--threads',
  '1',
];

function unitRows(m: ArrayLike<number>, rows: number): Float64Array {
  const out = new Float64Array(rows * D);
  for (let i = 0; i < rows; i++) {
    const norm = Math.hypot(...Array.from({ length: D }, (_, t) => m[i * D + t]));
    for (let t = 0; t < D; t++) out[i * D + t] = norm === 0 ? 0 : m[i * D + t] / norm;
  }
  return out;
}

function cosines(q: Float64Array, nq: number, items: Float64Array, ni: number): Float64Array {
  const out = new Float64Array(nq * ni);
  for (let a = 0; a < nq; a++)
    for (let b = 0; b < ni; b++) {
      let s = 0;
      for (let t = 0; t < D; t++) s += q[a * D + t] * items[b * D + t];
      out[a * ni + b] = s;
    }
  return out;
}

function figures(p: RetrievalPerQuery) {
  const s = summarizeRetrieval(p);
  return { r1: s.recallAt.get(1), r5: s.recallAt.get(5), r10: s.recallAt.get(10), map10: s.map };
}

function expectClean(r: CliResult, code: number, ...fragments: string[]): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines[lines.length - 1]).not.toMatch(/^\s+at /);
  for (const f of fragments) expect(r.stderr).toContain(f);
}

describe('eval retrieval', () => {
  it('--json: exactly the contract keys, each figure equal to the metrics computed directly', async () => {
    const r = runCli([...args(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: 1 audio rows have no caption: left out of audio→text');
    expect(r.stderr).toContain('note: 1 captions have no audio row: left out of text→audio');
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['n_audio', 'n_captions', 'audio_to_text', 'text_to_audio', 'l0_mean']);
    for (const direction of ['audio_to_text', 'text_to_audio'])
      for (const rep of ['dense', 'concept'])
        expect(Object.keys(report[direction][rep])).toEqual(['r1', 'r5', 'r10', 'map10']);
    expect([report.n_audio, report.n_captions]).toEqual([N_AUDIO, N_CAPTIONS]);

    const { firstToSecond, secondToFirst } = relevanceFromPairs(pairs, N_AUDIO, N_CAPTIONS);
    expect(firstToSecond[2]).toEqual([3, 4, 5]); // several captions per clip
    const text = unitRows(captions, N_CAPTIONS);
    const dense = unitRows(audio, N_AUDIO);
    const decomposition = await space.decompose(audio, N_AUDIO, { lambda: LAMBDA });
    const reps = { dense, concept: decomposition.reconstructionsNxD };
    for (const rep of ['dense', 'concept'] as const) {
      const a2t = retrievalPerQuery(cosines(reps[rep], N_AUDIO, text, N_CAPTIONS), N_AUDIO, N_CAPTIONS, firstToSecond);
      const t2a = retrievalPerQuery(cosines(text, N_CAPTIONS, reps[rep], N_AUDIO), N_CAPTIONS, N_AUDIO, secondToFirst);
      for (const [direction, expected] of [
        ['audio_to_text', figures(a2t)],
        ['text_to_audio', figures(t2a)],
      ] as const)
        for (const [key, value] of Object.entries(expected))
          expect(report[direction][rep][key], `${direction} ${rep} ${key}`).toBeCloseTo(value!, 12);
    }
    expect(report.l0_mean).toBeCloseTo(decomposition.l0.reduce((s, x) => s + x, 0) / N_AUDIO, 12);
    // noisy captions: no figure is trivially 0 or 1 (measured: audio→text dense R@1 0.45, R@10 0.90)
    for (const direction of ['audio_to_text', 'text_to_audio'])
      for (const rep of ['dense', 'concept']) {
        const f = report[direction][rep];
        expect(f.r1).toBeGreaterThan(0.1);
        expect(f.r1).toBeLessThan(f.r5);
        expect(f.r10).toBeLessThan(1);
      }
  });

  it('--bootstrap N adds "ci" of the same shape, each interval holding its figure; the text table shows them', () => {
    const r = runCli([...args(), '--json', '--bootstrap', '300']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['n_audio', 'n_captions', 'audio_to_text', 'text_to_audio', 'l0_mean', 'ci']);
    for (const direction of ['audio_to_text', 'text_to_audio'])
      for (const rep of ['dense', 'concept'])
        for (const key of ['r1', 'r5', 'r10', 'map10']) {
          const [lo, hi] = report.ci[direction][rep][key];
          expect(lo).toBeLessThanOrEqual(report[direction][rep][key]);
          expect(hi).toBeGreaterThanOrEqual(report[direction][rep][key]);
        }
    const table = runCli([...args(), '--bootstrap', '100']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('audio→text');
    expect(table.stdout).toContain('95% CI');
  });

  it('bad pairs and shapes: one clear error naming the problem', async () => {
    const write = async (name: string, data: Int32Array | Float64Array, shape: number[]) => {
      const path = join(dir, `${name}.npy`);
      await writeNpy(path, { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float64' });
      return path;
    };
    const withPairs = (p: string) => args().map((a) => (a === paths.PAIRS ? p : a));
    const outOfRange = await write('bad-range', Int32Array.of(0, 0, 1, N_CAPTIONS), [2, 2]);
    expectClean(
      runCli(withPairs(outOfRange)),
      1,
      `pair 1: caption row ${N_CAPTIONS} is out of range 0..${N_CAPTIONS - 1}`,
    );
    const threeColumns = await write('bad-shape', Int32Array.of(0, 0, 0), [1, 3]);
    expectClean(runCli(withPairs(threeColumns)), 1, 'must be a P × 2 matrix', 'got shape [1, 3]');
    const floats = await write('bad-dtype', Float64Array.of(0, 0), [1, 2]);
    expectClean(runCli(withPairs(floats)), 1, 'integer dtype');
    const narrow = await write('K-narrow', new Float64Array(3 * (D - 1)), [3, D - 1]);
    expectClean(runCli(args().map((a) => (a === paths.K ? narrow : a))), 1, `has d = ${D - 1}`);
    expectClean(runCli(args().filter((a) => a !== '--concepts' && a !== paths.T)), 2, 'give the concepts');
  });
});
