import { ClapEncoder } from '@audio-concepts/encoder-clap';
import type { AudioWindow } from '@audio-concepts/shared-contracts';
import {
  AudioConceptsError,
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
} from '@audio-concepts/shared-errors';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR } from './config';
import { ENCODER_METRICS, EncoderMetrics } from './encoder.metrics';
import { checkWindow, WindowEncoder, type WindowModel } from './window-encoder';

const RATE = 48_000;

function sine(seconds: number, hz: number): number[] {
  return Array.from({ length: Math.round(seconds * RATE) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / RATE));
}

function window(windowSeq: number, pcm: number[], overrides: Partial<AudioWindow> = {}): AudioWindow {
  const durationMs = Math.round((pcm.length * 1000) / RATE);
  return {
    streamId: 's',
    windowSeq,
    startMs: windowSeq * 1000,
    durationMs,
    sampleRate: RATE,
    pcm,
    ingestedAtMs: 42,
    ...overrides,
  };
}

describe('checkWindow', () => {
  const model = { sampleRate: RATE, windowSamples: 10 * RATE };

  it('accepts a full window and a short tail', () => {
    expect(checkWindow(window(0, sine(10, 440)), model)).toBeUndefined();
    expect(checkWindow(window(1, sine(0.25, 440)), model)).toBeUndefined();
  });

  it.each([
    ['no stream id', window(0, [0.1], { streamId: '', durationMs: 0 }), InvalidInputError, /no stream id/],
    [
      'another sample rate',
      window(0, sine(1, 440), { sampleRate: 44_100 }),
      InvalidInputError,
      /44100 Hz, expected 48000 Hz/,
    ],
    ['no samples', window(0, []), InvalidInputError, /no PCM samples/],
    [
      'more than a window',
      window(0, sine(10.5, 440)),
      ShapeMismatchError,
      /504000 samples, more than the model's window of 480000/,
    ],
    ['a NaN', window(0, [0, 0.1, NaN, 0.2]), NonFiniteValueError, /NaN at sample 2/],
    ['an Infinity', window(0, [Infinity]), NonFiniteValueError, /Infinity at sample 0/],
    [
      'a duration that does not match',
      window(0, sine(1, 440), { durationMs: 10_000 }),
      InvalidInputError,
      /durationMs 10000, but its 48000 samples/,
    ],
  ])('rejects a window with %s', (_, w, type, message) => {
    const problem = checkWindow(w, model);
    expect(problem).toBeInstanceOf(type);
    expect(problem?.message).toMatch(message);
  });
});

describe('WindowEncoder (demo model)', () => {
  let clap: ClapEncoder;
  beforeAll(async () => {
    clap = await ClapEncoder.load(DEMO_MODEL_DIR, { device: 'cpu' });
  });
  afterAll(() => clap?.close());

  it('gives each valid window its embedding, the same as encoding it alone, and each bad one its error', async () => {
    const registry = new Registry();
    const encoder = new WindowEncoder(clap, new EncoderMetrics(registry));
    const windows = [window(0, sine(2, 440)), window(1, [0.1, NaN]), window(2, sine(1, 110))];
    const results = await encoder.encode(windows);

    expect(results).toHaveLength(3);
    expect(results[1]).toBeInstanceOf(NonFiniteValueError);
    const [first, , third] = results;
    if (first instanceof Error || third instanceof Error) throw new Error('expected embeddings');
    expect(first).toMatchObject({
      streamId: 's',
      windowSeq: 0,
      startMs: 0,
      durationMs: 2000,
      modelId: clap.modelId,
      ingestedAtMs: 42,
    });
    expect(third.windowSeq).toBe(2);
    expect(first.vector).toHaveLength(clap.dimension);
    expect(Math.hypot(...first.vector)).toBeCloseTo(1, 5);
    const alone = await clap.encodeAudio([Float32Array.from(windows[2].pcm)]);
    third.vector.forEach((v, i) => expect(v).toBeCloseTo(alone[i], 5));
    expect(await registry.getSingleMetricAsString(ENCODER_METRICS.windowsEncoded)).toMatch(/ 2$/m);
  });

  it('tries windows one by one when the model fails the batch, and rethrows a retriable failure', async () => {
    const failing = (fails: (n: number, first: number) => Error | undefined): WindowModel => ({
      dimension: 2,
      modelId: 'm',
      sampleRate: RATE,
      windowSamples: 10 * RATE,
      encodeAudio: async (pcm) => {
        const error = fails(pcm.length, pcm[0][0]);
        if (error) throw error;
        return new Float32Array(pcm.length * 2).fill(Math.SQRT1_2);
      },
    });
    // a batch fails whenever it holds the window whose first sample is 0.3
    const poisoned = failing((_, first) => (first === Math.fround(0.3) ? new Error('session run failed') : undefined));
    const windows = [window(0, [0.1]), window(1, [0.3]), window(2, [0.2])].map((w) => ({ ...w, durationMs: 0 }));
    const results = await new WindowEncoder(poisoned).encode([windows[1], windows[0], windows[2]]);
    expect(results.map((r) => (r instanceof Error ? r.message : r.windowSeq))).toEqual(['session run failed', 0, 2]);

    const busy = failing(() => new AudioConceptsError('GPU busy', { retriable: true }));
    await expect(new WindowEncoder(busy).encode(windows)).rejects.toThrow('GPU busy');
  });
});
