import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './testing/cli.run';

/**
 * Sounds the vocabulary does not contain are marked, not only labelled: speech on the demo model (whose world has
 * no voices) has a fit below DEFAULTS.unknownFit, the demo files do not (tools/unknown-sounds measured both).
 */
const HAS_ESPEAK = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0;

let dir: string;
let speech: string;

const tag = (...args: string[]) => runCli(['tag', ...args, '--cache-dir', join(dir, 'cache')]);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-unknown-'));
  speech = join(dir, 'speech.wav');
  const text =
    'The quick brown fox jumps over the lazy dog. A demo model has never heard a voice, so nothing it knows ' +
    'should describe this sentence well, however confidently the weights are printed.';
  if (HAS_ESPEAK) expect(spawnSync('espeak-ng', ['-w', speech, text]).status).toBe(0);
});

describe.skipIf(!HAS_ESPEAK)('tag marks what nothing in the vocabulary fits', () => {
  it('espeak-ng speech is unknown in every format; the demo files are not', () => {
    const json = tag(speech, '--json');
    expect(json.code, json.stderr).toBe(0);
    const frames = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect([f.unknown, f.fit < 0.915], JSON.stringify(f)).toEqual([true, true]);

    const text = tag(speech);
    expect(text.stdout).toMatch(/fit 0\.\d\d, \d+ concepts?\)  unknown: nothing in the vocabulary fits$/m);
    const csv = tag(speech, '--format', 'csv').stdout.trim().split('\n');
    const unknownColumn = csv[0].split(',').indexOf('unknown');
    expect(unknownColumn).toBe(csv[0].split(',').length - 1);
    expect(csv.slice(1).every((row) => row.split(',')[unknownColumn] === 'true')).toBe(true);

    const known = tag(join(ROOT, 'examples', 'audio'), '--json');
    expect(known.code, known.stderr).toBe(0);
    const knownFrames = known.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(knownFrames).toHaveLength(13);
    expect(knownFrames.filter((f) => f.unknown)).toEqual([]);
    // --unknown-fit moves the line: at 0 nothing is unknown
    const lenient = tag(speech, '--json', '--unknown-fit', '0');
    expect(lenient.code, lenient.stderr).toBe(0);
    const lenientFrames = lenient.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lenientFrames.map((f) => f.unknown)).toEqual(frames.map(() => false));
  });
});
