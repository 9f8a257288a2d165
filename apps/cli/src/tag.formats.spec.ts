import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/** `tag --format text|json|csv|tsv` and `--min-weight`, run as a user runs it; CSV read back by Python's csv. */
const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'audio-concepts');
const HAS_PYTHON = spawnSync('python3', ['--version'], { stdio: 'ignore' }).status === 0;

let dir: string;
let common: string[];
/** 25 s: windows 0–10, 10–20, 20–25; its name holds a comma and quotes, as the stream column then must */
let file: string;

function tag(args: string[], stdin?: Buffer) {
  const r = spawnSync(process.execPath, [BIN, 'tag', ...args, ...common], {
    cwd: ROOT,
    encoding: 'utf8',
    input: stdin,
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface JsonFrame {
  stream: string;
  window_seq: number;
  start_s: number;
  end_s: number;
  concepts: { label: string; weight: number }[];
}
const jsonFrames = (stdout: string): JsonFrame[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

/** The rows as Python's csv module reads them (the reader spreadsheets and pandas agree with). */
function readDelimited(text: string, delimiter: ',' | '\t'): Record<string, string>[] {
  const script = `import csv, json, sys\nprint(json.dumps(list(csv.DictReader(sys.stdin, delimiter=${JSON.stringify(delimiter)}))))`;
  const r = spawnSync('python3', ['-c', script], { input: text, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tag-formats-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  // AudioSet-like names: commas and quotes
  writeFileSync(
    join(dir, 'vocab.txt'),
    'rain, heavy\nthunder "boom"\nmusic, "live", loud\nbirds, singing\nwind\nwater, running\n',
  );
  common = ['--model', model.dir, '--vocab', join(dir, 'vocab.txt'), '--cache-dir', join(dir, 'cache')];
  file = makeAudio(lavfiCommand(join(dir, 'a, "quoted" name.flac'), 'anoisesrc=color=pink:amplitude=0.3', 25));
});

describe.skipIf(!HAS_FFMPEG)('tag --format', () => {
  it('--json is --format json', () => {
    const a = tag([file, '--json', '--lambda', '0.01', '--top', '6']);
    const b = tag([file, '--format', 'json', '--lambda', '0.01', '--top', '6']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it.skipIf(!HAS_PYTHON).each([
    ['csv', ','],
    ['tsv', '\t'],
  ] as const)(
    '%s: a header, one row per (window, concept), quoted so that a csv reader gets the names back',
    (format, delimiter) => {
      const args = [file, '--lambda', '0.01', '--top', '6'];
      const json = jsonFrames(tag([...args, '--json']).stdout);
      const r = tag([...args, '--format', format]);
      expect(r.code, r.stderr).toBe(0);
      const header = r.stdout.split('\n')[0].split(delimiter);
      expect(header.slice(0, 9)).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'rank', 'label', 'weight', 'cosine', 'l0']); // prettier-ignore
      const rows = readDelimited(r.stdout, delimiter);
      // weights to 5 decimals: two runs of the solver agree to about 1e-6
      const expected = json.flatMap((f) =>
        f.concepts.map((c, i) => [f.stream, f.window_seq, f.start_s, f.end_s, i + 1, c.label, c.weight.toFixed(5)]),
      );
      expect(rows.map((x) => [x.stream, +x.window_seq, +x.start_s, +x.end_s, +x.rank, x.label, (+x.weight).toFixed(5)])).toEqual(expected); // prettier-ignore
      expect(rows.some((x) => x.label.includes(',') || x.label.includes('"'))).toBe(true);
      expect(rows[0].stream).toBe(file);
    },
  );

  it.skipIf(!HAS_PYTHON)('csv: a window without a concept keeps one row, its label empty', () => {
    const r = tag([file, '--format', 'csv', '--min-weight', '5']);
    expect(r.code, r.stderr).toBe(0);
    const rows = readDelimited(r.stdout, ',');
    expect(rows.map((x) => [x.window_seq, x.rank, x.label, x.weight])).toEqual([
      ['0', '', '', ''],
      ['1', '', '', ''],
      ['2', '', '', ''],
    ]);
  });

  it('--min-weight drops the concepts below it, in every format', () => {
    const args = [file, '--lambda', '0.01', '--top', '6'];
    const all = jsonFrames(tag([...args, '--json']).stdout);
    const weights = all.flatMap((f) => f.concepts.map((c) => c.weight)).sort((a, b) => a - b);
    // about half of them go; halfway between two weights, as two runs agree to about 1e-6 only
    const half = Math.floor(weights.length / 2);
    const w = (weights[half - 1] + weights[half]) / 2;
    const kept = jsonFrames(tag([...args, '--json', '--min-weight', String(w)]).stdout);
    const labels = (frames: JsonFrame[]) => frames.map((f) => f.concepts.map((c) => c.label));
    expect(labels(kept)).toEqual(labels(all.map((f) => ({ ...f, concepts: f.concepts.filter((c) => c.weight >= w) }))));
    expect(kept.flatMap((f) => f.concepts).length).toBeLessThan(weights.length);
    const text = tag([...args, '--min-weight', String(w)]);
    const printed = [...text.stdout.matchAll(/ (\d\.\d{3})(?=;| {3}\()/g)].map((m) => Number(m[1]));
    expect(printed.length).toBe(kept.flatMap((f) => f.concepts).length);
    for (const x of printed) expect(x).toBeGreaterThanOrEqual(Math.floor(w * 1000) / 1000);
    const csv = tag([...args, '--format', 'csv', '--min-weight', String(w)]);
    expect(csv.stdout.trim().split('\n')).toHaveLength(1 + kept.flatMap((f) => f.concepts).length);
  });

  it('an unknown format, or a bad --min-weight, is a usage error', () => {
    const r = tag([file, '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format');
    expect(tag([file, '--min-weight', 'lots']).code).toBe(2);
  });
});

describe.skipIf(!HAS_FFMPEG)('tag: times in the text table', () => {
  const spans = (stdout: string) => stdout.trim().split('\n').map((l) => l.split('  ')[0]); // prettier-ignore

  it('mm:ss.s under an hour, aligned past 20 minutes (was 1180.0–1190.0 s)', () => {
    const long = makeAudio(lavfiCommand(join(dir, 'long.flac'), 'sine=frequency=300', 1185));
    const r = tag([long, '--window', '1', '--hop', '590']);
    expect(r.code, r.stderr).toBe(0);
    expect(spans(r.stdout)).toEqual(['00:00.0–00:01.0', '09:50.0–09:51.0', '19:40.0–19:41.0']);
  });

  it('hh:mm:ss.s past an hour, and for stdin, whose length is not known up front', () => {
    const hour = makeAudio(lavfiCommand(join(dir, 'hour.flac'), 'anullsrc=channel_layout=mono', 3605));
    const r = tag([hour, '--window', '1', '--hop', '1800']);
    expect(r.code, r.stderr).toBe(0);
    expect(spans(r.stdout)).toEqual(['00:00:00.0–00:00:01.0', '00:30:00.0–00:30:01.0', '01:00:00.0–01:00:01.0']);
    const piped = tag(['-'], readFileSync(file));
    expect(piped.code, piped.stderr).toBe(0);
    expect(spans(piped.stdout)).toEqual(['00:00:00.0–00:00:10.0', '00:00:10.0–00:00:20.0', '00:00:20.0–00:00:25.0']);
  });
});
