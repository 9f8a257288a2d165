import { padWindow } from '@audio-concepts/encoder-clap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClapFeatureExtractor, logMelFeatures } from './clap-preprocessor';
import { gate, sine, toPcm16 } from './dsp';
import { FEATURE_NAMES, N_FEATURES, buildFeatureModel } from './features.graph';
import { OnnxRunner } from './onnx-runner';
import { Rng } from './random';
import { SAMPLE_RATE } from './world';

let runner: OnnxRunner;
const extractor = createClapFeatureExtractor();

async function featuresOf(...clips: Float32Array[]): Promise<Float32Array[]> {
  const mels = [];
  for (const clip of clips) mels.push(await logMelFeatures(extractor, clip));
  const { nFrames } = mels[0];
  const input = new Float32Array(clips.length * nFrames * 64);
  mels.forEach((m, i) => input.set(m.data, i * nFrames * 64));
  const out = await runner.runFloat('input_features', input, [clips.length, 1, nFrames, 64], 'features');
  expect(out.dims).toEqual([clips.length, N_FEATURES]);
  return clips.map((_, i) => out.data.slice(i * N_FEATURES, (i + 1) * N_FEATURES));
}

const tone = (amplitude: number, seconds = 10) =>
  Float32Array.from(sine(seconds * SAMPLE_RATE, SAMPLE_RATE, 1000), (v) => amplitude * v);
/** 1 kHz beeps, 0.2 s on and 0.3 s off, with digital silence between them. */
const beeps = (seconds: number) => {
  const n = seconds * SAMPLE_RATE;
  const spans: Array<[number, number]> = [];
  for (let t = 0; t < n; t += 0.5 * SAMPLE_RATE) spans.push([t, t + 0.2 * SAMPLE_RATE]);
  return Float32Array.from(gate(sine(n, SAMPLE_RATE, 1000), spans, 0), (v) => 0.5 * v);
};
const WINDOW = 10 * SAMPLE_RATE;
const feature = (values: Float32Array, name: string) => values[FEATURE_NAMES.indexOf(name)];

beforeAll(async () => {
  runner = await OnnxRunner.create(buildFeatureModel());
});

afterAll(async () => {
  await runner.release();
});

describe('audio feature graph', () => {
  it('names every feature', () => {
    expect(FEATURE_NAMES).toHaveLength(N_FEATURES);
    expect(new Set(FEATURE_NAMES).size).toBe(N_FEATURES);
  });

  it('does not depend on the level: a tone at −6 dBFS and at −46 dBFS gives the same features', async () => {
    const [loud, quiet] = await featuresOf(tone(0.5), tone(0.005));
    loud.forEach((v, i) => expect(quiet[i], FEATURE_NAMES[i]).toBeCloseTo(v, 2));
    expect(loud[FEATURE_NAMES.indexOf('steady peak 0.3–3 kHz')]).toBeGreaterThan(0.95);
    expect(loud[FEATURE_NAMES.indexOf('loud')]).toBeGreaterThan(0.95);
  });

  it('gives digital silence all-zero features except "quiet" and "silent frames"', async () => {
    const [silence] = await featuresOf(new Float32Array(10 * SAMPLE_RATE));
    silence.forEach((v, i) =>
      expect(v, FEATURE_NAMES[i]).toBeCloseTo(['quiet', 'silent frames'].includes(FEATURE_NAMES[i]) ? 1 : 0, 6),
    );
  });

  it('takes trailing digital silence as padding: a short tone, repeat-padded, has the features of a 10 s tone', async () => {
    // 6 s: one copy and 4 s of zeros; 4 s: two copies and 2 s of zeros; 2.5 s: four copies.
    const [full, ...padded] = await featuresOf(
      tone(0.5),
      padWindow(tone(0.5, 6), WINDOW, 'repeatpad'),
      padWindow(tone(0.5, 4), WINDOW, 'repeatpad'),
      padWindow(tone(0.5, 2.5), WINDOW, 'repeatpad'),
    );
    for (const p of padded) full.forEach((v, i) => expect(p[i], FEATURE_NAMES[i]).toBeCloseTo(v, 1));
    expect(feature(padded[0], 'steady peak 0.3–3 kHz')).toBeGreaterThan(0.95);
    expect(feature(padded[0], 'silent frames')).toBeLessThan(0.01);
  });

  it('still counts digital silence before the last sound (beep gaps), and dithered silence after it', async () => {
    const [full, padded] = await featuresOf(beeps(10), padWindow(beeps(6), WINDOW, 'repeatpad'));
    full.forEach((v, i) => expect(padded[i], FEATURE_NAMES[i]).toBeCloseTo(v, 1));
    expect(feature(full, 'band peak on/off rate (max)')).toBeGreaterThan(0.1);
    // A tone, then 4 s of ±1 LSB noise (16-bit silence as sox writes it): partly silent, not padded.
    const rng = new Rng(3);
    const thenDither = new Float32Array(WINDOW);
    thenDither.set(tone(0.5, 6));
    thenDither.set(toPcm16(new Float64Array(4 * SAMPLE_RATE), true, rng.uniform), 6 * SAMPLE_RATE);
    const [partlySilent] = await featuresOf(thenDither);
    expect(feature(partlySilent, 'silent frames')).toBeCloseTo(0.4, 1);
  });

  it('gives each clip of a batch the features it has alone, for any number of frames', async () => {
    const [alone] = await featuresOf(tone(0.1));
    const [batched] = (await featuresOf(new Float32Array(10 * SAMPLE_RATE), tone(0.1))).slice(1);
    batched.forEach((v, i) => expect(v).toBeCloseTo(alone[i], 4));
    // A 4 s clip is repeat-padded to 10 s by the extractor; a model input of any length also works.
    const mel = await logMelFeatures(extractor, tone(0.1));
    const out = await runner.runFloat('input_features', mel.data.slice(0, 400 * 64), [1, 1, 400, 64], 'features');
    expect(out.data[FEATURE_NAMES.indexOf('steady peak 0.3–3 kHz')]).toBeGreaterThan(0.95);
  });
});
