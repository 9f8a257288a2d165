import { createClapFeatureExtractor, logMelFeatures, N_MELS } from './clap-preprocessor';
import type { Rng } from './random';
import { CONCEPTS, synthesizeClip, type ClipKind, type Concept, type WorldClip } from './world';

/** How many clips of each kind a set has. */
export interface ClipSetSpec {
  /** Single-concept clips per concept other than silence. */
  readonly singlesPerConcept: number;
  /** Silent clips (silence is never mixed with other sounds). */
  readonly silences: number;
  readonly mixtures: number;
  readonly sequences: number;
}

/** What the readout is fitted on: every concept alone at many settings, and many mixtures and sequences. */
export const TRAINING_SET: ClipSetSpec = { singlesPerConcept: 16, silences: 16, mixtures: 150, sequences: 34 };
/**
 * The calibration corpus for m_a: 200 varied clips from another stream of the same world. Every concept is about
 * equally present in it (silence, which never mixes, gets more clips of its own), so that subtracting m_a favours
 * no concept.
 */
export const CALIBRATION_SET: ClipSetSpec = { singlesPerConcept: 8, silences: 20, mixtures: 80, sequences: 20 };

/** Number of 10 s clips run through an ONNX model at once. */
export const BATCH_CLIPS = 8;

export function clipCount(spec: ClipSetSpec): number {
  return clipPlan(spec).length;
}

/** A batch of clips as the audio tower sees them: input_features [n, 1, frames, 64] and the clips' targets. */
export interface FeatureBatch {
  n: number;
  nFrames: number;
  inputFeatures: Float32Array;
  targetsNxK: Float64Array;
  descriptions: string[];
}

/** The clips of a set, in order: singles (concept by concept, round after round), then mixtures, then sequences. */
export function clipPlan(spec: ClipSetSpec): Array<{ kind: ClipKind; concept?: Concept }> {
  const plan: Array<{ kind: ClipKind; concept?: Concept }> = [];
  for (let round = 0; round < Math.max(spec.singlesPerConcept, spec.silences); round++)
    for (const concept of CONCEPTS)
      if (round < (concept === 'silence' ? spec.silences : spec.singlesPerConcept))
        plan.push({ kind: 'single', concept });
  for (let i = 0; i < spec.mixtures; i++) plan.push({ kind: 'mixture' });
  for (let i = 0; i < spec.sequences; i++) plan.push({ kind: 'sequence' });
  return plan;
}

/**
 * Synthesizes the clips of `spec` (singles in concept order, then mixtures, then sequences) and yields them in
 * batches of log-mel features from transformers.js' own ClapFeatureExtractor, so that training and inference see
 * identical inputs.
 */
export async function* clipBatches(spec: ClipSetSpec, rng: Rng, batch = BATCH_CLIPS): AsyncGenerator<FeatureBatch> {
  const extractor = createClapFeatureExtractor();
  const plan = clipPlan(spec);
  for (let start = 0; start < plan.length; start += batch) {
    const items = plan.slice(start, start + batch);
    // Each clip has its own stream, so a clip does not depend on the ones before it.
    const clips: WorldClip[] = items.map(({ kind, concept }, i) =>
      synthesizeClip(rng.fork(`clip ${start + i}`), kind, { concept }),
    );
    const mels = [];
    for (const clip of clips) mels.push(await logMelFeatures(extractor, clip.samples));
    const nFrames = mels[0].nFrames;
    const inputFeatures = new Float32Array(items.length * nFrames * N_MELS);
    mels.forEach((m, i) => inputFeatures.set(m.data, i * nFrames * N_MELS));
    const targetsNxK = new Float64Array(items.length * CONCEPTS.length);
    clips.forEach((c, i) => targetsNxK.set(c.targets, i * CONCEPTS.length));
    yield { n: items.length, nFrames, inputFeatures, targetsNxK, descriptions: clips.map((c) => c.description) };
  }
}
