import { OnnxElemType, OnnxGraph } from '@audio-concepts/shared-onnx-builder';
import { N_MELS } from './clap-preprocessor';
import { GraphOps } from './graph-ops';

/*
 * The audio tower's fixed, hand-designed front end: from CLAP's log-mel spectrogram S (input_features, dB,
 * [batch, 1, frames, 64]) to a short vector of features that say how the sound is made, independent of its level.
 *
 * Maps, per frame t and mel bin b:
 *   R  = max(S − max(S) + 70, 0)              level within 70 dB of the clip's loudest point (gain-invariant)
 *   K  = R − mean(R[b±2..4])                  spectral peakiness (edges padded with their own value)
 *   Tn = σ((K − 12)/2)                        "a pure-tone peak is here"
 *   Ts = Tn · σ(3 − |R[t] − R[t−2]|)          … and it is steady
 *   Tb = max over t±2 of Tn                   peaks with gaps shorter than ~40 ms bridged (clicks over a hum)
 *   g  = σ((|R[t] − R[t−3]| − 1.5)/0.5) · (1 − peak within ±6 bins) · σ((R − 10)/3)
 *                                             fluctuating energy away from any peak: noise
 *   tr = σ((R − max(R[t−3], R[t+3]) − 10)/2)  a short burst: louder than 30 ms before and after
 * and per clip loud = σ((max(S) + 65)/2), the level gate (below about −65 dB there is nothing but silence).
 * Every feature below except the last three (silent frames, loud, quiet) is multiplied by `loud`, so silence has
 * all-zero features.
 *
 * Padding. The encoder repeat-pads a clip shorter than 10 s as CLAP does (`repeat-pad.ts`): back-to-back copies,
 * then digital zeros to the end of the window, so a 6 s clip arrives as 6 s of sound and 4 s of zeros. Zeros give
 * exactly the extractor's floor (−100 dB) in every bin, which no sound does. The frames after the last frame above
 * that floor ("trailing digital silence") are therefore taken as padding, not as part of the sound: every time
 * average and sum below is over the frames up to the last one with any energy (all frames when there is none), so
 * a padded 6 s tone has the features of a tone, not of a tone that stops. Digital silence between sounds (beep
 * gaps, the space between clicks) is before the last sound and counts as usual.
 */

/**
 * What transformers.js' ClapFeatureExtractor gives a frame of digital zeros in every bin (its mel floor, 1e-10, in
 * dB is −100); a frame whose loudest bin is above this has sound in it (±1 LSB of dither reaches about −82 dB).
 */
const SILENT_FLOOR_DB = -99.5;

/** Mel-bin ranges (half-open) of the steady-tone concepts: ~50–130 Hz, 290–3100 Hz, 3–8.2 kHz (Slaney bins). */
const TONE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 2],
  [4, 38],
  [37, 56],
];
/** Regions for the noise spectrum: < 250 Hz, 250–1300 Hz, 1.3–4 kHz, > 4 kHz. */
const NOISE_REGIONS: ReadonlyArray<readonly [number, number]> = [
  [0, 4],
  [4, 21],
  [21, 42],
  [42, 64],
];

/** What each feature is, in order: for the model README and for reading the fitted weights. */
export const FEATURE_NAMES: readonly string[] = [
  'steady peak 50–130 Hz',
  'steady peak 0.3–3 kHz',
  'steady peak 3–8 kHz',
  'peak presence 50–130 Hz',
  'peak presence 0.3–3 kHz',
  'peak presence 3–8 kHz',
  'peaks moving up (10 ms)',
  'peaks moving down (10 ms)',
  'peaks moving up (100 ms)',
  'peaks moving down (100 ms)',
  'peak onsets',
  'peak onsets in place',
  'frames with a strong peak',
  'strong-peak on/off rate',
  'band peak on/off rate (max)',
  'band peak on/off rate (mean)',
  ...NOISE_REGIONS.map(([a, b]) => `noise amount bins ${a}–${b - 1}`),
  ...NOISE_REGIONS.map(([a, b]) => `noise spectrum bins ${a}–${b - 1}`),
  'broadband bursts (most bins)',
  'broadband bursts (some bins)',
  ...NOISE_REGIONS.map(([a, b]) => `level bins ${a}–${b - 1}`),
  'silent frames',
  'loud',
  'quiet',
];
export const N_FEATURES = FEATURE_NAMES.length;

/** Adds the feature nodes reading `input` ([batch, 1, frames, 64]); returns the [batch, N_FEATURES] output. */
export function addAudioFeatures(g: OnnxGraph, input: string): string {
  const o = new GraphOps(g);
  const peak = o.reduceMax(input, [2, 3]);
  const loud = o.step(peak, -65, 2);
  const r = o.relu(o.add(o.sub(input, peak), 70));

  // inSound [batch, 1, frames, 1]: 1 up to the last frame above the floor, 0 in the trailing digital silence (the
  // encoder's padding); all 1 when the whole clip is digital silence.
  const frameMax = o.reduceMax(input, [3]);
  const allZero = o.oneMinus(o.above(peak, SILENT_FLOOR_DB));
  const inSound = o.max(o.min(o.sumFromHereOn(o.above(frameMax, SILENT_FLOOR_DB)), o.scalar(1)), allZero);
  /** The mask for a map whose first frame is frame `from` (a map cut by `lagPair(…, from)` or `slice(…, 2, from)`). */
  const maskFrom = (from: number) => (from === 0 ? inSound : o.slice(inSound, 2, from));
  /** Sum over the frames in the sound of a map starting at frame `from`, per bin. */
  const timeSum = (x: string, from = 0) => o.reduceSum(o.mul(x, maskFrom(from)), [2]);
  /** Mean over the frames in the sound of a map starting at frame `from`, per bin. */
  const timeMean = (x: string, from = 0) => o.div(timeSum(x, from), o.add(o.reduceSum(maskFrom(from), [2]), 1e-6));
  const soundFraction = o.reduceMean(inSound, [2]);

  // Peakiness: R minus the mean of the bins 2–4 away on both sides (Conv over the bin axis).
  const kernel = [-1, -1, -1, 0, 6, 0, -1, -1, -1].map((w) => w / 6);
  const k = g.op('Conv', [o.pad(r, 3, 4, 4, 'edge'), g.constant('peak_kernel', kernel, [1, 1, 1, 9])], {
    kernel_shape: [1, 9],
  });
  const tn = o.step(k, 12, 2);
  const [r2, r2Before] = o.lagPair(r, 2);
  const ts = o.mul(o.slice(tn, 2, 2), o.step(o.abs(o.sub(r2, r2Before)), 3, -1));
  const bridge = (x: string) => o.maxPool(x, [5, 1], [2, 0, 2, 0]);
  const tb = bridge(tn);

  const features: string[] = [];
  // Steady tones: the fraction of time each bin holds a steady peak, high (> 0.75) in the tone's range.
  const persistent = o.step(timeMean(bridge(ts), 2), 0.75, 0.05);
  for (const [a, b] of TONE_RANGES) features.push(o.reduceMax(o.slice(persistent, 3, a, b), [3]));
  // Fraction of frames with a (bridged) peak in each range: beeps and sweeps pass through, tones stay.
  for (const [a, b] of TONE_RANGES) features.push(timeMean(o.reduceMax(o.slice(tb, 3, a, b), [3])));

  // Peak motion: new peak pixels whose lower (higher) neighbours 1–3 bins away held a peak k frames earlier,
  // per peak pixel. Chirps move up fast (k = 1), sirens slowly both ways (k = 10).
  const peakMass = o.add(o.reduceSum(timeSum(tn), [3]), o.mul(soundFraction, 20));
  for (const lag of [1, 10]) {
    const [now, before] = o.lagPair(tn, lag);
    const fresh = o.mul(now, o.oneMinus(before));
    for (const fromBelow of [true, false])
      features.push(
        o.div(o.reduceSum(timeSum(o.mul(fresh, o.neighbourMax(before, 3, fromBelow)), lag), [3]), peakMass),
      );
  }

  // Onsets: a peak pixel 20 dB louder than 20 ms before; "in place" when no peak was within ±6 bins before.
  const onset = o.mul(o.slice(tn, 2, 2), o.step(o.sub(r2, r2Before), 20, 3));
  const nearBefore = o.maxPool(o.slice(tn, 2, 0, -2), [1, 13], [0, 6, 0, 6]);
  const perFrame = (x: string) => o.mul(o.reduceSum(timeMean(x, 2), [3]), 5);
  features.push(perFrame(onset), perFrame(o.mul(onset, o.oneMinus(nearBefore))));

  // Frames with a strong peak (≥ 20 dB over its neighbours), and how often that switches on or off.
  const strong = bridge(o.step(o.reduceMax(k, [3]), 20, 3));
  const [strongNow, strongBefore] = o.lagPair(strong, 1);
  features.push(timeMean(strong), o.mul(timeMean(o.abs(o.sub(strongNow, strongBefore)), 1), 5));
  // The same per band of 4 bins: beeps switch on and off in place.
  const bandPeak = o.maxPool(tb, [1, 4], [0, 0, 0, 0], [1, 4]);
  const [bandNow, bandBefore] = o.lagPair(bandPeak, 1);
  const toggles = o.mul(timeMean(o.abs(o.sub(bandNow, bandBefore)), 1), 10);
  features.push(o.reduceMax(toggles, [3]), o.reduceMean(toggles, [3]));

  // Noise: fluctuating energy away from peaks. Amount per region, and the noise spectrum per region in dB relative
  // to its loudest region, mapped to [0, 1] over 40 dB (gated off when there is hardly any noise).
  const [r3, r3Before] = o.lagPair(r, 3);
  const [tn3, tn3Before] = o.lagPair(tn, 3);
  const nearPeak = o.maxPool(o.max(tn3, tn3Before), [1, 13], [0, 6, 0, 6]);
  const noise = o.mul(o.mul(o.step(o.abs(o.sub(r3, r3Before)), 1.5, 0.5), o.oneMinus(nearPeak)), o.step(r3, 10, 3));
  const noiseLevel = o.mul(r3, noise);
  const regionLevels: string[] = [];
  for (const [a, b] of NOISE_REGIONS) {
    const amount = o.reduceMean(timeMean(o.slice(noise, 3, a, b), 3), [3]);
    features.push(amount);
    regionLevels.push(o.div(o.reduceMean(timeMean(o.slice(noiseLevel, 3, a, b), 3), [3]), o.add(amount, 0.001)));
  }
  const levels = o.concat(regionLevels, 3);
  const anyNoise = o.step(o.reduceMean(timeMean(noise, 3), [3]), 0.02, 0.01);
  const spectrum = o.mul(o.mul(o.relu(o.add(o.sub(levels, o.reduceMax(levels, [3])), 40)), 1 / 40), anyNoise);
  for (let i = 0; i < NOISE_REGIONS.length; i++) features.push(o.slice(spectrum, 3, i, i + 1));

  // Clicks: frames where most (some) bins burst at once.
  const padded = o.pad(r, 2, 3, 3, 'edge');
  const around = o.max(o.slice(padded, 2, 0, -6), o.slice(padded, 2, 6));
  const burstShare = o.reduceMean(o.step(o.sub(r, around), 10, 2), [3]);
  features.push(o.mul(timeMean(o.step(burstShare, 0.4, 0.08)), 5));
  features.push(o.mul(timeMean(o.step(burstShare, 0.2, 0.05)), 5));

  for (const [a, b] of NOISE_REGIONS) features.push(o.mul(o.reduceMean(timeMean(o.slice(r, 3, a, b)), [3]), 1 / 70));

  const gated = o.mul(
    o.concat(
      features.map((f) => o.flat(f)),
      1,
    ),
    o.flat(loud),
  );
  // Frames whose loudest bin is below the silence level (absolute, like `loud`): partly silent clips. Padding is
  // not silence: only the frames in the sound count.
  const silentFrames = timeMean(o.step(frameMax, -65, -2));
  return o.concat([gated, o.flat(silentFrames), o.flat(loud), o.flat(o.oneMinus(loud))], 1);
}

/** The feature graph alone: input_features → features [batch, N_FEATURES] (what the readout is fitted on). */
export function buildFeatureModel(): Uint8Array {
  const g = new OnnxGraph('demo-clap-audio-features');
  const input = g.input('input_features', OnnxElemType.FLOAT, ['batch_size', 1, 'num_frames', N_MELS]);
  g.output(addAudioFeatures(g, input), 'features', OnnxElemType.FLOAT, ['batch_size', N_FEATURES]);
  return g.encode();
}
