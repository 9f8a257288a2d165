import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { inspectSvg, writePngArtifact } from '@audio-concepts/shared-plots/testing';
import { runCli } from './testing/cli.run';

/** `tag --summary` on the demo model over a folder of two files made by ffmpeg (built CLI, as a user runs it). */
interface Concept {
  label: string;
  weight: number;
}
interface Frame {
  stream: string;
  concepts: Concept[];
}

let dir: string;
let folder: string;
let cache: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-summary-'));
  folder = join(dir, 'audio');
  cache = join(dir, 'cache');
  mkdirSync(folder);
  if (!HAS_FFMPEG) return;
  makeAudio(lavfiCommand(join(folder, 'hiss.wav'), 'anoisesrc=color=white:amplitude=0.3:seed=7', 25));
  makeAudio(lavfiCommand(join(folder, 'tone.wav'), 'sine=frequency=1000', 15));
});

/** Mean weight of each label over the frames (a frame without the label adds 0), as a label → weight map. */
function meanOf(frames: Frame[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const frame of frames) for (const c of frame.concepts) sums.set(c.label, (sums.get(c.label) ?? 0) + c.weight);
  return new Map([...sums].map(([label, sum]) => [label, sum / frames.length]));
}

function expectSummaryEqualsMean(concepts: Concept[], frames: Frame[]): void {
  const mean = meanOf(frames);
  expect(concepts.map((c) => c.label).sort()).toEqual([...mean.keys()].sort());
  // frames and summary both carry 6 decimals: the mean of rounded weights is within 1e-6 of the rounded mean
  for (const c of concepts) expect(Math.abs(c.weight - mean.get(c.label)!)).toBeLessThanOrEqual(1.5e-6);
  const weights = concepts.map((c) => c.weight);
  expect(weights).toEqual([...weights].sort((a, b) => b - a));
}

describe.skipIf(!HAS_FFMPEG)('tag --summary', () => {
  it('--json: one last {"summary"} line equal to the mean of the windows printed, per input and for the run', () => {
    const svgPath = join(dir, 'summary.svg');
    const r = runCli(['tag', folder, '--json', '--summary', '--summary-top', '50', '--summary-svg', svgPath, '--cache-dir', cache]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const frames: Frame[] = lines.slice(0, -1);
    const { summary } = lines[lines.length - 1];

    // the window lines are the frames as without --summary: 3 + 2 windows, no summary key among them
    expect(frames).toHaveLength(5);
    for (const frame of frames) expect(Object.keys(frame)).not.toContain('summary');
    expect(Object.keys(lines[lines.length - 1])).toEqual(['summary']);

    expect(Object.keys(summary)).toEqual(['windows', 'concepts', 'inputs']);
    expect(summary.windows).toBe(5);
    expectSummaryEqualsMean(summary.concepts, frames);
    expect(summary.inputs.map((i: { stream: string; windows: number }) => [i.stream, i.windows])).toEqual([
      [join(folder, 'hiss.wav'), 3],
      [join(folder, 'tone.wav'), 2],
    ]);
    for (const input of summary.inputs)
      expectSummaryEqualsMean(
        input.concepts,
        frames.filter((f) => f.stream === input.stream),
      );

    // the chart: a panel per input and one for the run, a bar per concept listed
    const svg = readFileSync(svgPath, 'utf8');
    const chart = inspectSvg(svg);
    expect(chart.titles).toEqual([
      `${join(folder, 'hiss.wav')} (3 windows)`,
      `${join(folder, 'tone.wav')} (2 windows)`,
      'all 2 inputs (5 windows)',
      'Top concepts by mean prominence (λ = 0.15)',
    ]);
    expect(chart.bars).toEqual([
      ...summary.inputs.flatMap((i: { concepts: Concept[] }) => i.concepts.map((c) => c.label)),
      ...summary.concepts.map((c: Concept) => c.label),
    ]);
    expect(writePngArtifact(svg, 'cli-tag-summary').inkFraction).toBeGreaterThan(0.01);
  });

  it('text: a summary block after each input, then the whole run; --summary-top cuts each list', () => {
    const r = runCli(['tag', folder, '--summary', '--summary-top', '1', '--no-progress', '--cache-dir', cache]);
    expect(r.code, r.stderr).toBe(0);
    const blocks = r.stdout.split('\n').filter((line) => line.startsWith('summary of'));
    expect(blocks).toEqual([
      `summary of ${join(folder, 'hiss.wav')}: 3 windows, top concepts by mean prominence`,
      `summary of ${join(folder, 'tone.wav')}: 2 windows, top concepts by mean prominence`,
      'summary of all 2 inputs: 5 windows, top concepts by mean prominence',
    ]);
    expect(r.stdout.split('\n').filter((line) => /^ {3}\d\. /.test(line))).toHaveLength(3);
    expect(r.stdout).not.toMatch(/^ {3}2\. /m);
  });

  it('refuses --summary with CSV, whose rows it would break', () => {
    const r = runCli(['tag', join(folder, 'tone.wav'), '--summary', '--format', 'csv', '--cache-dir', cache]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(
      'audio-concepts: error: --summary prints with --format text or json, not csv: use --summary-svg FILE',
    );
  });
});
