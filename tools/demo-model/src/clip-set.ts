import { padWindow } from '@audio-concepts/encoder-clap';
import { createClapFeatureExtractor, logMelFeatures, N_MELS } from './clap-preprocessor';
import type { Rng } from './random';
import { CLIP_SECONDS, SAMPLE_RATE, synthesizeClip, type ClipKind, type Concept, type WorldClip } from './world';

/** How many clips of each kind a set has. */
export interface ClipSetSpec {
  /** Single-concept clips per concept other than silence. */
  readonly singlesPerConcept: number;
  /** Silent clips (silence is never mixed with other sounds). */
  readonly silences: number;
  readonly mixtures: number;
  readonly sequences: number;
  /**
   * The share of each kind's clips (the last ones of it) that are shorter than a window, of a random length, and
   * repeat-padded exactly as the encoder pads a short clip or the tail of a long input (`repeat-pad.ts`).
   */
  readonly shortShare: number;
}

/**
 * What the readout is fitted on: every concept alone at many settings, and many mixtures and sequences; a third of
 * them shorter than a window and padded, so that a short clip is tagged as the same clip at full length.
 */
export const TRAINING_SET: ClipSetSpec = {
  singlesPerConcept: 24,
  silences: 24,
  mixtures: 210,
  sequences: 48,
  shortShare: 1 / 3,
};
/**
 * The calibration corpus for m_a: 200 varied clips from another stream of the same world. Every concept is about
 * equally present in it (silence, which never mixes, gets more clips of its own), so that subtracting m_a favours
 * no concept.
 */
export const CALIBRATION_SET: ClipSetSpec = {
  singlesPerConcept: 8,
  silences: 20,
  mixtures: 80,
  sequences: 20,
  shortShare: 0,
};

/** Lengths of the short clips, in seconds: from 1 s (3 s for sequences, which need room for two sounds) to 10 s. */
export const SHORT_SECONDS: Readonly<Record<ClipKind, readonly [number, number]>> = {
  single: [1, CLIP_SECONDS],
  mixture: [1, CLIP_SECONDS],
  sequence: [3, CLIP_SECONDS],
};

/** Number of 10 s clips run through an ONNX model at once. */
export const BATCH_CLIPS = 8;

const WINDOW_SAMPLES = CLIP_SECONDS * SAMPLE_RATE;

export function clipCount(spec: ClipSetSpec, concepts: readonly Concept[]): number {
  return clipPlan(spec, concepts).length;
}

/** A batch of clips as the audio tower sees them: input_features [n, 1, frames, 64] and the clips' targets. */
export interface FeatureBatch {
  n: number;
  nFrames: number;
  inputFeatures: Float32Array;
  targetsNxK: Float64Array;
  descriptions: string[];
}

/** One clip of a set: its kind, its concept (singles) and whether it is shorter than a window. */
export interface PlannedClip {
  kind: ClipKind;
  concept?: Concept;
  short: boolean;
}

/**
 * The clips of a set, in order: singles (concept by concept, round after round; the last rounds short), then
 * mixtures, then sequences (the last of each short).
 */
export function clipPlan(spec: ClipSetSpec, concepts: readonly Concept[]): PlannedClip[] {
  const isShort = (i: number, count: number) => i >= count - Math.round(count * spec.shortShare);
  const plan: PlannedClip[] = [];
  for (let round = 0; round < Math.max(spec.singlesPerConcept, spec.silences); round++)
    for (const concept of concepts) {
      const count = concept === 'silence' ? spec.silences : spec.singlesPerConcept;
      if (round < count) plan.push({ kind: 'single', concept, short: isShort(round, count) });
    }
  for (let i = 0; i < spec.mixtures; i++) plan.push({ kind: 'mixture', short: isShort(i, spec.mixtures) });
  for (let i = 0; i < spec.sequences; i++) plan.push({ kind: 'sequence', short: isShort(i, spec.sequences) });
  return plan;
}

/** One planned clip: a short one is synthesized at its random length and repeat-padded to a window. */
function makeClip(item: PlannedClip, concepts: readonly Concept[], rng: Rng): WorldClip {
  let nSamples = WINDOW_SAMPLES;
  if (item.short) {
    const [lo, hi] = SHORT_SECONDS[item.kind];
    nSamples = Math.round(rng.between(lo, hi) * SAMPLE_RATE);
  }
  const clip = synthesizeClip(concepts, rng, item.kind, { concept: item.concept, nSamples });
  if (!item.short) return clip;
  return {
    ...clip,
    samples: padWindow(clip.samples, WINDOW_SAMPLES, 'repeatpad'),
    description: `${clip.description}, ${(nSamples / SAMPLE_RATE).toFixed(2)} s padded`,
  };
}

/**
 * Synthesizes the clips of `spec` (singles in concept order, then mixtures, then sequences; targets per concept of
 * `concepts`) and yields them in batches of log-mel features from transformers.js' own ClapFeatureExtractor, so
 * that training and inference see identical inputs.
 */
export async function* clipBatches(
  spec: ClipSetSpec,
  concepts: readonly Concept[],
  rng: Rng,
  batch = BATCH_CLIPS,
): AsyncGenerator<FeatureBatch> {
  const extractor = createClapFeatureExtractor();
  const plan = clipPlan(spec, concepts);
  for (let start = 0; start < plan.length; start += batch) {
    const items = plan.slice(start, start + batch);
    // Each clip has its own stream, so a clip does not depend on the ones before it.
    const clips = items.map((item, i) => makeClip(item, concepts, rng.fork(`clip ${start + i}`)));
    const mels = [];
    for (const clip of clips) mels.push(await logMelFeatures(extractor, clip.samples));
    const nFrames = mels[0].nFrames;
    const inputFeatures = new Float32Array(items.length * nFrames * N_MELS);
    mels.forEach((m, i) => inputFeatures.set(m.data, i * nFrames * N_MELS));
    const targetsNxK = new Float64Array(items.length * concepts.length);
    clips.forEach((c, i) => targetsNxK.set(c.targets, i * concepts.length));
    yield { n: items.length, nFrames, inputFeatures, targetsNxK, descriptions: clips.map((c) => c.description) };
  }
}
