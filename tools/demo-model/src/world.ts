import {
  addScaled,
  brownNoise,
  cascadedBiquad,
  dbToGain,
  gate,
  normalizePeak,
  sine,
  sweptSine,
  toPcm16,
  whiteNoise,
} from './dsp';
import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';
import type { Rng } from './random';

/** Everything is made at CLAP's rate. */
export const SAMPLE_RATE = 48_000;
/** One CLAP window: 10 s. */
export const CLIP_SECONDS = 10;

export interface ConceptDefinition {
  /** What the concept sounds like, for the model README. */
  readonly definition: string;
  /**
   * One random instance, peak-normalized to 1 (silence: all zeros), `nSamples` long at `SAMPLE_RATE`.
   * The parameter ranges are the definition's, a little wider at the edges so borderline sounds still count.
   */
  readonly synthesize: (rng: Rng, nSamples: number) => Float64Array;
}

const seconds = (s: number) => Math.round(s * SAMPLE_RATE);

/** Tone bursts of `onS` seconds separated by `offS` gaps (each drawn per burst when `jitter`), from a random start. */
function burstSpans(rng: Rng, nSamples: number, onS: number, offS: number, jitter: boolean): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let t = seconds(rng.between(0, offS));
  while (t < nSamples) {
    const on = seconds(jitter ? onS * rng.between(0.7, 1.3) : onS);
    spans.push([t, t + on]);
    t += on + seconds(jitter ? offS * rng.between(0.6, 1.4) : offS);
  }
  return spans;
}

function hum(rng: Rng, n: number): Float64Array {
  const f = rng.logBetween(48, 125);
  const x = sine(n, SAMPLE_RATE, f, rng.uniform());
  // Mains hum often carries weak harmonics.
  if (rng.chance(0.4))
    for (const h of [2, 3]) addScaled(x, sine(n, SAMPLE_RATE, h * f, rng.uniform()), dbToGain(rng.between(-40, -20)));
  return normalizePeak(x);
}

function steadyTone(lo: number, hi: number) {
  return (rng: Rng, n: number) => normalizePeak(sine(n, SAMPLE_RATE, rng.logBetween(lo, hi), rng.uniform()));
}

function beep(rng: Rng, n: number): Float64Array {
  const x = sine(n, SAMPLE_RATE, rng.logBetween(450, 2200), rng.uniform());
  const spans = burstSpans(rng, n, rng.between(0.09, 0.32), rng.between(0.06, 0.5), rng.chance(0.4));
  // Hard edges (as a gated oscillator makes) or short ramps.
  return normalizePeak(gate(x, spans, seconds(rng.pick([0, 0.002, 0.01]))));
}

function siren(rng: Rng, n: number): Float64Array {
  const center = rng.between(700, 1300);
  const deviation = rng.between(200, Math.min(center - 300, 650));
  const period = rng.between(0.9, 4.2);
  const shape = rng.pick(['sine', 'triangle', 'segments'] as const);
  const phase = rng.uniform();
  if (shape === 'segments') {
    // Separate up and down linear sweeps, each starting its own oscillator (as `sox synth 1 sine 600-1400` files
    // joined end to end do).
    const x = new Float64Array(n);
    const half = seconds(period / 2);
    for (let start = 0, up = true; start < n; start += half, up = !up) {
      const len = Math.min(half, n - start);
      const [f0, f1] = up ? [center - deviation, center + deviation] : [center + deviation, center - deviation];
      x.set(
        sweptSine(len, SAMPLE_RATE, (i) => f0 + ((f1 - f0) * i) / half),
        start,
      );
    }
    return normalizePeak(x);
  }
  const wave = (u: number) => (shape === 'sine' ? Math.sin(2 * Math.PI * u) : 1 - 4 * Math.abs(((u + 0.25) % 1) - 0.5));
  return normalizePeak(sweptSine(n, SAMPLE_RATE, (i) => center + deviation * wave(i / SAMPLE_RATE / period + phase)));
}

function chirp(rng: Rng, n: number): Float64Array {
  const duration = rng.between(0.045, 0.21);
  const f0 = rng.logBetween(400, 2200);
  const f1 = Math.min(f0 * rng.between(1.8, 4.5), 9000);
  const gap = rng.chance(0.2) ? 0 : rng.between(0.02, 0.35);
  const exponential = rng.chance(0.5);
  const shaped = rng.chance(0.5);
  const x = new Float64Array(n);
  const len = seconds(duration);
  for (let start = seconds(rng.between(0, duration + gap)); start < n; start += len + seconds(gap)) {
    const seg = sweptSine(Math.min(len, n - start), SAMPLE_RATE, (i) =>
      exponential ? f0 * (f1 / f0) ** (i / len) : f0 + ((f1 - f0) * i) / len,
    );
    // A smooth (half-sine) or flat envelope.
    if (shaped) for (let i = 0; i < seg.length; i++) seg[i] *= Math.sin((Math.PI * (i + 0.5)) / len);
    x.set(seg, start);
  }
  return normalizePeak(x);
}

function noise(rng: Rng, n: number): Float64Array {
  return whiteNoise(n, rng.normal, rng.uniform, rng.pick(['gaussian', 'uniform'] as const));
}

function whiteNoiseConcept(rng: Rng, n: number): Float64Array {
  return normalizePeak(noise(rng, n));
}

function rumble(rng: Rng, n: number): Float64Array {
  const source = rng.chance(0.5) ? brownNoise(n, rng.normal) : noise(rng, n);
  return normalizePeak(cascadedBiquad(source, SAMPLE_RATE, 'lowpass', rng.logBetween(50, 200), rng.pick([2, 4, 6])));
}

function hiss(rng: Rng, n: number): Float64Array {
  return normalizePeak(
    cascadedBiquad(noise(rng, n), SAMPLE_RATE, 'highpass', rng.logBetween(3800, 8000), rng.pick([2, 4, 6])),
  );
}

function click(rng: Rng, n: number): Float64Array {
  const rate = rng.logBetween(1.8, 22);
  const regular = rng.chance(0.6);
  // A one-sample impulse, or a short decaying burst of noise (a few tenths of a millisecond to 2 ms).
  const decay = rng.chance(0.4) ? 0 : seconds(rng.between(0.0002, 0.002));
  const x = new Float64Array(n);
  let t = seconds(rng.between(0, 1 / rate));
  while (t < n) {
    const polarity = rng.chance(0.5) ? 1 : -1;
    const amplitude = regular ? 1 : rng.between(0.5, 1);
    if (decay === 0) x[t] = polarity * amplitude;
    else for (let i = 0; i < 6 * decay && t + i < n; i++) x[t + i] = amplitude * rng.normal() * Math.exp(-i / decay);
    t += regular ? seconds(1 / rate) : Math.max(seconds(0.02), seconds(-Math.log(1 - rng.uniform()) / rate));
  }
  return normalizePeak(x);
}

/**
 * What each demo concept sounds like. Each is defined by how it sounds, so any sound that matches the definition —
 * not only the generator's own — is tagged with it. The names and their order are the `demo` vocabulary's
 * (`@audio-concepts/decomposer-vocabulary`): see `loadDemoConcepts`.
 */
export const CONCEPT_DEFINITIONS = {
  hum: { definition: 'a steady low tone, 50–120 Hz (mains hum)', synthesize: hum },
  tone: { definition: 'a steady pure tone, 300–3000 Hz', synthesize: steadyTone(290, 3100) },
  whistle: { definition: 'a steady high pure tone, 3–8 kHz', synthesize: steadyTone(3100, 8200) },
  beep: { definition: 'tone bursts of 0.1–0.3 s (about 500–2000 Hz) with gaps between them', synthesize: beep },
  siren: {
    definition: 'a tone sweeping slowly up and down (period about 1–4 s, e.g. 500–1500 Hz)',
    synthesize: siren,
  },
  chirp: { definition: 'short fast upward sweeps (about 50–200 ms each), repeating', synthesize: chirp },
  'white noise': { definition: 'broadband noise with a flat spectrum', synthesize: whiteNoiseConcept },
  rumble: { definition: 'noise below about 200 Hz', synthesize: rumble },
  hiss: { definition: 'noise above about 4 kHz', synthesize: hiss },
  click: { definition: 'periodic impulses, 2–20 per second', synthesize: click },
  silence: { definition: 'digital silence or a very low level', synthesize: (_rng, n) => new Float64Array(n) },
} as const satisfies Record<string, ConceptDefinition>;

/** A demo concept: a name with a definition. */
export type Concept = keyof typeof CONCEPT_DEFINITIONS;

/**
 * The demo concepts in the order of the `demo` vocabulary (`loadVocabulary('demo')`, the list `audio-concepts tag`
 * uses), which is the one list of their names. Each must have a definition here and each definition a name there.
 */
export async function loadDemoConcepts(): Promise<readonly Concept[]> {
  const { terms } = await loadVocabulary('demo');
  const undefinedTerms = terms.filter((t) => !Object.hasOwn(CONCEPT_DEFINITIONS, t));
  const unlisted = Object.keys(CONCEPT_DEFINITIONS).filter((c) => !terms.includes(c));
  if (undefinedTerms.length > 0 || unlisted.length > 0)
    throw new Error(
      `the demo vocabulary (@audio-concepts/decomposer-vocabulary, data/demo.txt) and the concept definitions ` +
        `(tools/demo-model/src/world.ts) differ: without a definition: [${undefinedTerms.join(', ')}]; ` +
        `not in the vocabulary: [${unlisted.join(', ')}]`,
    );
  return terms as Concept[];
}

/** One synthetic clip: float32 samples (as decoded from a 16-bit WAV or not) and its multi-hot concept targets. */
export interface WorldClip {
  samples: Float32Array;
  /** Per concept (in the order given): 1 when present throughout, the fraction of time when present for part of it. */
  targets: Float64Array;
  /** e.g. "tone + rumble @ -12 dBFS". */
  description: string;
}

export type ClipKind = 'single' | 'mixture' | 'sequence';

/**
 * A random clip of the world, `nSamples` long (10 s by default). `single`: one concept; `mixture`: 2–3 concepts at
 * once (peak levels within 10 dB of each other); `sequence`: one concept, then another. The whole clip gets a random
 * peak level (−45…−1 dBFS) and is stored as 16-bit PCM (dithered or not) most of the time, as files are. Targets
 * are per concept of `concepts`.
 *
 * A sound that stops in digital silence ends in exact zeros, which is what the encoder's padding adds after a short
 * clip: the audio tower cannot tell the two apart and takes both as padding (see `features.graph.ts`), so such a
 * clip is labelled with its sound alone.
 */
export function synthesizeClip(
  concepts: readonly Concept[],
  rng: Rng,
  kind: ClipKind,
  { concept: single, nSamples = CLIP_SECONDS * SAMPLE_RATE }: { concept?: Concept; nSamples?: number } = {},
): WorldClip {
  const index = (c: Concept) => concepts.indexOf(c);
  const loudConcepts = concepts.filter((c) => c !== 'silence');
  const targets = new Float64Array(concepts.length);
  let x: Float64Array;
  let description: string;
  /** The sound of a sequence that stops in silence. */
  let beforeSilence: Concept | undefined;
  if (kind === 'single') {
    const concept = single ?? rng.pick(concepts);
    x = CONCEPT_DEFINITIONS[concept].synthesize(rng, nSamples);
    targets[index(concept)] = 1;
    description = concept;
  } else if (kind === 'mixture') {
    const parts = rng.sample(loudConcepts, rng.chance(0.75) ? 2 : 3);
    x = new Float64Array(nSamples);
    for (const concept of parts) {
      addScaled(x, CONCEPT_DEFINITIONS[concept].synthesize(rng, nSamples), dbToGain(rng.between(-10, 0)));
      targets[index(concept)] = 1;
    }
    description = parts.join(' + ');
  } else {
    // Sounds may also stop (or start) in silence.
    const [first, second] = rng.sample(rng.chance(0.2) ? concepts : loudConcepts, 2);
    const split = Math.round(nSamples * rng.between(0.3, 0.7));
    const a = CONCEPT_DEFINITIONS[first].synthesize(rng, nSamples);
    const b = CONCEPT_DEFINITIONS[second].synthesize(rng, nSamples);
    const gainB = dbToGain(rng.between(-6, 6));
    const fade = seconds(0.05);
    x = new Float64Array(nSamples);
    for (let i = 0; i < nSamples; i++) {
      const w = Math.min(1, Math.max(0, (i - split + fade / 2) / fade));
      x[i] = (1 - w) * a[i] + w * gainB * b[i];
    }
    targets[index(first)] = split / nSamples;
    targets[index(second)] = 1 - split / nSamples;
    description = `${first} then ${second}`;
    if (second === 'silence') beforeSilence = first;
  }
  const silent = targets[index('silence')] === 1;
  let levelDb = rng.between(-45, -1);
  if (silent && rng.chance(0.5)) {
    // "A very low level": faint noise far below anything else in the world.
    levelDb = rng.between(-110, -85);
    x = normalizePeak(noise(rng, nSamples));
  }
  normalizePeak(x, dbToGain(levelDb));
  const samples = rng.chance(0.7) ? toPcm16(x, rng.chance(0.6), rng.uniform) : Float32Array.from(x);
  if (beforeSilence !== undefined && samples.subarray(-seconds(0.1)).every((v) => v === 0)) {
    // Trailing digital silence: as good as padding (see above).
    targets.fill(0);
    targets[index(beforeSilence)] = 1;
    description += ' (digital: as padding)';
  }
  return { samples, targets, description: `${description} @ ${levelDb.toFixed(0)} dBFS` };
}
