import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './testing/cli.run';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';

/**
 * A window of a few milliseconds at the end of an input, repeat-padded to 10 s, was tagged as confidently as a real
 * one (`20.0–20.0 s tone 0.866; siren 0.276`; mp3 on stdin ended with `30.0–30.0 s silence 0.908`): a last window
 * shorter than 1 s is dropped, unless it is the input's only window.
 */

let dir: string;

function spans(input: string, stdin?: Buffer): number[][] {
  const r = runCli(['tag', input, '--json', '--cache-dir', join(dir, 'cache')], stdin);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((f) => [f.start_s, f.end_s]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tag-tails-'));
});

describe.skipIf(!HAS_FFMPEG)('tag: tiny tails', () => {
  it('20.03 s ends with the 10–20 s window, not a 30 ms one', () => {
    const file = makeAudio(lavfiCommand(join(dir, 'tone.wav'), 'sine=frequency=1000', 20.03));
    expect(spans(file)).toEqual([[0, 10], [10, 20]]); // prettier-ignore
  });

  it('mp3 on stdin (its decoder padding past 30 s) gives three windows, no 30.0–30.0', () => {
    const mp3 = makeAudio(lavfiCommand(join(dir, 'tone.mp3'), 'sine=frequency=1000', 30));
    expect(spans('-', readFileSync(mp3))).toEqual([[0, 10], [10, 20], [20, 30]]); // prettier-ignore
  });

  it('a tail of 1 s or more is kept, and a clip shorter than 1 s is still one window', () => {
    const longer = makeAudio(lavfiCommand(join(dir, 'long-tail.flac'), 'sine=frequency=1000', 21.5));
    expect(spans(longer)).toEqual([[0, 10], [10, 20], [20, 21.5]]); // prettier-ignore
    const blip = makeAudio(lavfiCommand(join(dir, 'blip.wav'), 'sine=frequency=1000', 0.4));
    expect(spans(blip)).toEqual([[0, 0.4]]);
  });
});
