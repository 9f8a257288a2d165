import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDriftReference, type DriftFrame } from '@audio-concepts/metrics-drift';
import { SceneWorld, TARGET } from '@audio-concepts/metrics-drift/testing';
import { ROOT, runCli } from './testing/cli.run';

/**
 * `drift` run as a user runs it (./bin/audio-concepts, built by `npm run build`), on frames written as `tag --json`
 * writes them: synthetic ones of the scene world (correlated concepts, scenes lasting ~20 windows), and `tag --json`
 * output of the demo audio.
 */
let dir: string;
const world = new SceneWorld({ seed: 7 });

/** A frame as a line of `tag --json`. */
function tagLine(f: DriftFrame): string {
  return JSON.stringify({
    stream: f.streamId,
    window_seq: f.windowSeq,
    start_s: f.startMs / 1000,
    end_s: (f.startMs + f.durationMs) / 1000,
    concepts: f.concepts,
    cosine: f.cosine,
    l0: f.l0,
    model_id: 'synthetic',
  });
}

function writeFrames(name: string, frames: DriftFrame[]): string {
  const path = join(dir, name);
  writeFileSync(path, frames.map(tagLine).join('\n') + '\n');
  return path;
}

const drift = (...args: string[]) => runCli(['drift', ...args]);
let reference: string;
let same: string;
let changed: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drift-cli-'));
  reference = writeFrames('R.jsonl', world.frames(3000, { seed: 101 }));
  same = writeFrames('same.jsonl', world.frames(1000, { seed: 201 }));
  changed = writeFrames(
    'changed.jsonl',
    world.frames(1000, { seed: 202, change: { at: 400, concept: { label: TARGET, rate: 0.3 } } }),
  );
});

describe('drift', () => {
  it('prints one JSON object with the keys in order; no drift between frames of one world', () => {
    const r = drift('--reference', reference, '--current', same, '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(Object.keys(report)).toEqual([
      'drift',
      'statistic',
      'threshold',
      'alpha',
      'n_reference',
      'n_current',
      'change_index',
      'changed',
      'signals',
    ]);
    expect(report).toMatchObject({ drift: false, alpha: 0.01, n_reference: 3000, n_current: 1000, change_index: null });
    expect(report.changed).toEqual([]);
    expect(report.signals.map((s: { name: string }) => s.name)).toEqual(['cosine', 'l0']);
    expect(Object.keys(report.signals[0])).toEqual(['name', 'reference_mean', 'current_mean', 'q', 'changed']);
  });

  it('finds the concept whose activation went from 10 % to 30 %, first, and where it began; draws it as SVG', () => {
    const svg = join(dir, 'drift.svg');
    const r = drift('--reference', reference, '--current', changed, '--alpha', '0.05', '--json', '--svg', svg);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.drift).toBe(true);
    expect(report.alpha).toBe(0.05);
    expect(report.statistic).toBeGreaterThan(report.threshold);
    expect(Object.keys(report.changed[0])).toEqual([
      'label',
      'reference_rate',
      'current_rate',
      'reference_mass',
      'current_mass',
      'q',
    ]);
    expect(report.changed[0].label).toBe(TARGET);
    expect(report.changed[0].q).toBeLessThanOrEqual(0.05);
    expect(Math.abs(report.change_index - 400)).toBeLessThanOrEqual(60);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(picture).toContain(`${TARGET}: `);
    expect(picture).toContain(`change at current frame ${report.change_index}`);
    expect(picture.trim().endsWith('</svg>')).toBe(true);
  });

  it('says it in words without --json', () => {
    const r = drift('--reference', reference, '--current', changed);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^drift: yes: statistic \d+\.\d+ > threshold \d+\.\d+ \(alpha 0\.01; reference 3000 frames, current 1000\)/,
    );
    expect(r.stdout).toMatch(/change begins at current frame \d+: synthetic window \d+ \(\d\d:\d\d:\d\d\.\d\)/);
    expect(r.stdout).toContain(`  ${TARGET}  rate 0.`);
  });

  it('compares tag --json output of two demo files', () => {
    const cache = join(dir, 'cache');
    const tag = (file: string) =>
      runCli(['tag', join(ROOT, 'examples', 'audio', file), '--json', '--hop', '1', '--cache-dir', cache]);
    const r1 = tag('siren-then-beeps.wav');
    const r2 = tag('hum-and-hiss.wav');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    const R = join(dir, 'day1.jsonl');
    const C = join(dir, 'day2.jsonl');
    writeFileSync(R, r1.stdout);
    writeFileSync(C, r2.stdout);
    const r = drift('--reference', R, '--current', C, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.n_reference).toBe(r1.stdout.trim().split('\n').length);
    expect(report.drift).toBe(true);
    // the siren and the beeps of R are gone from C
    const labels = report.changed.map((c: { label: string }) => c.label);
    expect(labels).toEqual(expect.arrayContaining(['siren', 'beep']));
    expect(report.changed.find((c: { label: string }) => c.label === 'siren').current_rate).toBe(0);
  });

  it('saves a calibrated reference for the online detector', () => {
    const out = join(dir, 'ref.json');
    const r = drift('--reference', reference, '--save-reference', out, '--false-alarms-per-day', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${out}: 3000 frames, ${world.concepts} concepts; threshold`);
    const saved = checkDriftReference(JSON.parse(readFileSync(out, 'utf8')));
    expect(saved).toMatchObject({ frames: 3000, falseAlarmsPerDay: 2, framesPerDay: 8640 });
  });

  it('names the bad input: a missing file, a bad line with its number, an empty file, too few frames (exit 1)', () => {
    const missing = drift('--reference', join(dir, 'nope.jsonl'), '--current', same);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(dir, 'nope.jsonl')}: no such file or directory`);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, readFileSync(same, 'utf8').split('\n').slice(0, 2).join('\n') + '\nnot json\n');
    const r = drift('--reference', reference, '--current', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`audio-concepts: error: ${bad}:3: not a JSON line`);
    expect(r.stderr).not.toContain('    at ');

    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const e = drift('--reference', empty, '--current', same);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(`--reference ${empty} has no frames (the file is empty)`);

    const few = writeFrames('few.jsonl', world.frames(5, { seed: 3 }));
    const f = drift('--reference', few, '--current', same);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain(`--reference ${few} has 5 frames; the drift test needs at least 20`);
  });

  it('refuses wrong flags with exit 2', () => {
    for (const alpha of ['1.5', '0', '1', 'x']) {
      const r = drift('--reference', reference, '--current', same, '--alpha', alpha);
      expect(r.code, alpha).toBe(2);
      expect(r.stderr).toContain(`expected a number between 0 and 1 (exclusive), got '${alpha}'`);
    }
    const noReference = drift('--current', same);
    expect(noReference.code).toBe(2);
    expect(noReference.stderr).toContain("required option '--reference <R.jsonl>' not specified");
    const nothing = drift('--reference', reference);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('give --current C.jsonl to compare with the reference, or --save-reference');
    const orphan = drift('--reference', reference, '--current', same, '--false-alarms-per-day', '3');
    expect(orphan.code).toBe(2);
    expect(orphan.stderr).toContain('--false-alarms-per-day goes with --save-reference');
    expect(existsSync(join(dir, 'ref-never.json'))).toBe(false);
  });
});
