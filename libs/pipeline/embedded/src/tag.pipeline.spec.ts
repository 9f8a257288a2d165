import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { parseVocabulary } from '@audio-concepts/decomposer-vocabulary';
import type { ConceptFrame } from '@audio-concepts/shared-contracts';
import { buildConceptSpace } from './concept-space.provider';
import { frameJson } from './frame.format';
import { tagAudio, type FailedWindow } from './tag.pipeline';

let dir: string;
let encoder: ClapEncoder;
const vocabulary = parseVocabulary(
  'rain\nthunder\ndog barking\ncar engine\ntraffic\nspeech\nmusic\nguitar\npiano\nbirds\nwind\nwater\n',
  'tiny',
);

const synth = (name: string, source: string, seconds: number) =>
  makeAudio(lavfiCommand(join(dir, name), source, seconds));

async function collect(frames: AsyncIterable<ConceptFrame>): Promise<ConceptFrame[]> {
  const out: ConceptFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
  const model = await writeTinyClapModel(join(dir, 'model'), { dimension: 16 });
  encoder = await ClapEncoder.load(model.dir);
});

afterAll(async () => encoder?.close());

describe.skipIf(!HAS_FFMPEG)('tagAudio (the embedded pipeline)', () => {
  it('a 35 s file gives exactly 4 frames in order, the last one a 5 s tail, each equal to decomposing its window alone', async () => {
    const file = synth('tone.mp3', 'sine=frequency=440', 35);
    const space = await buildConceptSpace(
      { encoder, vocabulary, calibration: { kind: 'none' }, cacheDir: join(dir, 'cache') },
      { threads: 1 },
    );
    const options = { lambda: 0.05, windowS: 10, hopS: 10, batchSize: 3 };
    const failed: FailedWindow[] = [];
    const frames = await collect(tagAudio(await openAudio(file), encoder, space, options, (f) => failed.push(f)));
    expect(failed).toEqual([]);
    expect(frames.map((f) => f.windowSeq)).toEqual([0, 1, 2, 3]);
    expect(frames.map((f) => [f.startMs, Math.round((f.startMs + f.durationMs) / 1000)])).toEqual([
      [0, 10],
      [10_000, 20],
      [20_000, 30],
      [30_000, 35],
    ]);
    expect(frames.every((f) => f.streamId === file && f.conceptSpaceId === space.id)).toBe(true);
    // batching (3 + 1) changes nothing: each frame equals its window encoded and decomposed on its own
    const windows: Float32Array[] = [];
    for await (const w of windowAudio(await openAudio(file), { sampleRate: 48000, windowS: 10 }))
      windows.push(w.samples);
    for (const [i, samples] of windows.entries()) {
      const alone = await space.decompose(await encoder.encodeAudio([samples]), 1, { lambda: 0.05 });
      // every non-zero concept, largest first, as the services' frames carry them
      const all = space.topConcepts(alone.weights);
      expect(frames[i].concepts.map((c) => c.label)).toEqual(all.map((c) => c.label));
      frames[i].concepts.forEach((c, k) => expect(c.weight).toBeCloseTo(all[k].weight, 5));
      expect(frames[i].l0).toBe(alone.l0[0]);
      expect(frames[i].concepts).toHaveLength(frames[i].l0);
      expect(frames[i].cosine).toBeCloseTo(alone.cosine[0], 5);
    }
    expect(frames.some((f) => f.l0 > 5)).toBe(true);
    const json = JSON.parse(frameJson(frames[3]));
    expect(Object.keys(json)).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'concepts', 'cosine', 'l0', 'lambda', 'model_id', 'concept_space_id', 'fit', 'unknown']); // prettier-ignore
    expect(json.window_seq).toBe(3);
    await space.close();
  });

  it('reports a window the encoder refuses (NaN samples) and goes on with the others', async () => {
    const space = await buildConceptSpace(
      { encoder, vocabulary, calibration: { kind: 'none' }, cacheDir: join(dir, 'cache') },
      { threads: 1 },
    );
    const rate = 48_000;
    const samples = new Float32Array(25 * rate).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate));
    samples[12 * rate] = NaN; // in the second window
    const audio = {
      uri: 'nan.wav',
      sampleRate: rate,
      async *[Symbol.asyncIterator]() {
        yield samples;
      },
    };
    const failed: FailedWindow[] = [];
    const options = { lambda: 0.05, windowS: 10, hopS: 10, batchSize: 8 };
    const frames = await collect(tagAudio(audio, encoder, space, options, (f) => failed.push(f)));
    expect(frames.map((f) => f.windowSeq)).toEqual([0, 2]);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ stage: 'encoder', streamId: 'nan.wav', windowSeq: 1, startMs: 10_000 });
    expect(failed[0].error.message).toBe('window "nan.wav"/1 has NaN at sample 96000; audio samples must be finite');
    await space.close();
  });

  it('maxSeconds tags only the start of the audio', async () => {
    const space = await buildConceptSpace(
      { encoder, vocabulary, calibration: { kind: 'none' }, cacheDir: join(dir, 'cache') },
      { threads: 1 },
    );
    const file = synth('long.wav', 'sine=frequency=300', 35);
    const options = { lambda: 0.05, windowS: 10, hopS: 10, batchSize: 8, maxSeconds: 12 };
    const frames = await collect(tagAudio(await openAudio(file), encoder, space, options, () => undefined));
    expect(frames.map((f) => [f.startMs, f.durationMs])).toEqual([[0, 10_000], [10_000, 2_000]]); // prettier-ignore
    await space.close();
  });

  it('a live source: each window is tagged while the source is still open, and an abort tags what was read', async () => {
    const space = await buildConceptSpace(
      { encoder, vocabulary, calibration: { kind: 'none' }, cacheDir: join(dir, 'cache') },
      { threads: 1 },
    );
    const rate = 48_000;
    let release: () => void = () => undefined;
    const heldOpen = new Promise<void>((resolve) => (release = resolve));
    const tone = (seconds: number) =>
      new Float32Array(seconds * rate).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate));
    const live = {
      uri: 'live',
      sampleRate: rate,
      async *[Symbol.asyncIterator]() {
        yield tone(13); // one whole window and 3 s of the next, then nothing more for now
        await heldOpen;
      },
    };
    const abort = new AbortController();
    const options = { lambda: 0.05, windowS: 10, hopS: 10, batchSize: 8, signal: abort.signal };
    const frames = tagAudio(live, encoder, space, options, () => undefined)[Symbol.asyncIterator]();
    const first = await frames.next(); // before this change it waited for a full batch of 8 windows
    expect(first.value?.windowSeq).toBe(0);
    abort.abort();
    const second = await frames.next();
    expect([second.value?.startMs, second.value?.durationMs]).toEqual([10_000, 3_000]);
    expect((await frames.next()).done).toBe(true);
    release();
    await space.close();
  });

  it('builds the audio mean from a calibration directory once, then from the cache', async () => {
    const calibration = join(dir, 'calibration');
    mkdirSync(calibration);
    synth(join('calibration', 'a.wav'), 'sine=frequency=200', 12);
    synth(join('calibration', 'b.flac'), 'anoisesrc=color=pink:amplitude=0.3', 5);
    const cacheDir = join(dir, 'cache-calibration');
    const messages: string[] = [];
    const request = {
      encoder,
      vocabulary,
      calibration: { kind: 'path' as const, path: calibration },
      cacheDir,
      log: (m: string) => messages.push(m),
    };
    const first = await buildConceptSpace(request, { threads: 1 });
    expect(first.audioMeanSource).toBe('calibration');
    expect(messages.some((m) => m.includes('encoding the calibration set (2 files)'))).toBe(true);
    expect(readdirSync(join(cacheDir, 'calibration'))).toHaveLength(1);
    messages.length = 0;
    const second = await buildConceptSpace(request, { threads: 1 });
    expect(messages.some((m) => m.includes('encoding the calibration set'))).toBe(false);
    expect(Array.from(second.audioMeanD)).toEqual(Array.from(first.audioMeanD));
    // 12 s → two windows, 5 s → one: the mean of three unit embeddings has norm ≤ 1 and > 0
    const norm = Math.hypot(...first.audioMeanD);
    expect(norm).toBeGreaterThan(0);
    expect(norm).toBeLessThanOrEqual(1 + 1e-6);
    await first.close();
    await second.close();
  });

  it('without a calibration set the audio mean is zero and says so', async () => {
    const space = await buildConceptSpace(
      {
        encoder,
        vocabulary,
        calibration: { kind: 'model', modelDir: join(dir, 'model') },
        cacheDir: join(dir, 'cache'),
      },
      { threads: 1 },
    );
    expect(space.audioMeanSource).toBe('none');
    expect(existsSync(join(dir, 'model', 'calibration'))).toBe(false);
    await space.close();
  });

  it('names a missing calibration path', async () => {
    await expect(
      buildConceptSpace({
        encoder,
        vocabulary,
        calibration: { kind: 'path', path: join(dir, 'nope') },
        cacheDir: join(dir, 'cache'),
      }),
    ).rejects.toThrow(`calibration set ${join(dir, 'nope')}: no such file or directory`);
  });
});
