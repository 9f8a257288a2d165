import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { readFramesJsonl } from './frames-jsonl';

const dir = mkdtempSync(join(tmpdir(), 'drift-jsonl-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// a line of `tag --json` (with its extra keys) and one of `tail --json` (no model_id, no fit)
const TAG_LINE =
  '{"stream":"x.wav","window_seq":0,"start_s":0,"end_s":10,"concepts":[{"label":"siren","weight":0.5},' +
  '{"label":"beep","weight":0.02}],"cosine":0.98,"l0":7,"model_id":"0f3e","concept_space_id":"2964","fit":0.99,"unknown":false}';
const TAIL_LINE =
  '{"stream":"cam-1","window_seq":41,"start_s":410,"end_s":420,"concepts":[],"cosine":0.91,"l0":0,"concept_space_id":"2964"}';

describe('readFramesJsonl', () => {
  it('reads the lines of tag --json and tail --json, keeping l0 as given and the fit when there is one', () => {
    const frames = readFramesJsonl(file('mixed.jsonl', `${TAG_LINE}\n\n${TAIL_LINE}\r\n`));
    expect(frames).toEqual([
      {
        streamId: 'x.wav',
        windowSeq: 0,
        startMs: 0,
        durationMs: 10_000,
        concepts: [
          { label: 'siren', weight: 0.5 },
          { label: 'beep', weight: 0.02 },
        ],
        cosine: 0.98,
        l0: 7,
        fit: 0.99,
      },
      { streamId: 'cam-1', windowSeq: 41, startMs: 410_000, durationMs: 10_000, concepts: [], cosine: 0.91, l0: 0 },
    ]);
  });

  it('reads a file without a final newline, and an empty file as no frames', () => {
    expect(readFramesJsonl(file('last.jsonl', `${TAIL_LINE}\n${TAIL_LINE}`))).toHaveLength(2);
    expect(readFramesJsonl(file('empty.jsonl', ''))).toEqual([]);
  });

  it('names the file and line of a line that is not JSON (tag text output, say)', () => {
    const path = file('text.jsonl', `${TAG_LINE}\n00:00.0–00:10.0  siren 0.500   (cos 0.98, 2 concepts)\n`);
    expect(() => readFramesJsonl(path)).toThrow(FormatError);
    expect(() => readFramesJsonl(path)).toThrow(`${path}:2: not a JSON line`);
  });

  it('names what is missing or wrong in a frame', () => {
    const cases: [string, string][] = [
      ['{"stream":"x","window_seq":0,"start_s":0,"end_s":10,"concepts":[],"l0":0}', 'missing "cosine"'],
      ['{"window_seq":0,"start_s":0,"end_s":10,"concepts":[],"cosine":1,"l0":0}', 'missing "stream"'],
      ['{"stream":"x","window_seq":0,"start_s":0,"end_s":10,"cosine":1,"l0":0}', 'missing "concepts"'],
      ['{"stream":"x","window_seq":-1,"start_s":0,"end_s":10,"concepts":[],"cosine":1,"l0":0}', '"window_seq" must be'],
      ['{"stream":"x","window_seq":0,"start_s":0,"end_s":10,"concepts":[],"cosine":"a","l0":0}', '"cosine" must be'],
      [
        '{"stream":"x","window_seq":0,"start_s":0,"end_s":10,"concepts":[{"label":"a","weight":-1}],"cosine":1,"l0":1}',
        'concepts[0] ("a") needs a "weight" ≥ 0',
      ],
      [
        '{"stream":"x","window_seq":0,"start_s":0,"end_s":10,"concepts":[{"label":"a","weight":1},{"label":"a","weight":1}],"cosine":1,"l0":2}',
        'concept "a" is listed twice',
      ],
      ['[1,2]', 'expected a JSON object'],
    ];
    for (const [line, message] of cases) {
      const path = file('bad.jsonl', `${TAIL_LINE}\n${TAIL_LINE}\n${line}\n`);
      expect(() => readFramesJsonl(path)).toThrow(`${path}:3: ${message}`);
    }
  });
});
