import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { vectorOf, type AudioEmbedding } from '@audio-concepts/shared-contracts';
import { embedAudio, type FailedWindow } from './embed.pipeline';

let dir: string;
let encoder: ClapEncoder;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'embed-pipeline-'));
  encoder = await ClapEncoder.load((await writeTinyClapModel(join(dir, 'model'), { dimension: 16 })).dir);
});

afterAll(async () => encoder?.close());

describe.skipIf(!HAS_FFMPEG)('embedAudio', () => {
  it("cuts tag's windows and gives each one's embedding, equal to encoding the window alone", async () => {
    const file = makeAudio(lavfiCommand(join(dir, 'tone.flac'), 'sine=frequency=300', 25));
    const failed: FailedWindow[] = [];
    const out: AudioEmbedding[] = [];
    const options = { windowS: 10, hopS: 10, batchSize: 2 };
    for await (const e of embedAudio(await openAudio(file), encoder, options, (f) => failed.push(f), 'x')) out.push(e);
    expect(failed).toEqual([]);
    expect(out.map((e) => [e.streamId, e.windowSeq, e.startMs, Math.round(e.durationMs / 1000)])).toEqual([
      ['x', 0, 0, 10],
      ['x', 1, 10_000, 10],
      ['x', 2, 20_000, 5],
    ]);
    let i = 0;
    for await (const w of windowAudio(await openAudio(file), { sampleRate: encoder.sampleRate, windowS: 10 })) {
      const alone = await encoder.encodeAudio([w.samples]);
      const v = vectorOf(out[i++]);
      for (let j = 0; j < v.length; j++) expect(v[j]).toBeCloseTo(alone[j], 5);
    }
    expect(out.every((e) => e.modelId === encoder.modelId)).toBe(true);
  });
});
