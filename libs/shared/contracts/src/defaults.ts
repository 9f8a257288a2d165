import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The defaults every runner shares — `tag`, the services, the benchmarks — so the embedded and the Kafka paths
 * decompose alike unless told otherwise.
 */
export const DEFAULTS = {
  /** the paper's sparser L1 penalty: a handful of concepts per window of 2000 (DESIGN §1) */
  lambda: 0.15,
  /**
   * Concepts the text table of `tag` and `tail` shows per window, largest weight first (then "+ N more"). A display
   * default only: frames carry every non-zero concept, and JSON, CSV and TSV print them all unless `--top K`.
   */
  tableTop: 5,
  /** CLAP's window, seconds */
  windowS: 10,
  /** windows per encoder micro-batch */
  encoderBatch: 8,
  /**
   * fit < this ⇒ unknown: nothing in the vocabulary describes the window well (`ConceptFrame.fit`; a frame without
   * a fit is not judged). Measured on the demo model by tools/unknown-sounds at λ 0.15: 0.8 % of known windows,
   * all speech; a fit shown to two decimals as 0.91 or less is below it. A real model needs its own measurement.
   */
  unknownFit: 0.915,
} as const;

/** The demo model that `npm run build` generates (tools/demo-model) at the repo root; used when no model is given. */
export const DEMO_MODEL_DIR = resolve(__dirname, '..', '..', '..', '..', 'models', 'clap-demo');

/** Caches (text embeddings, calibration means, model downloads) and stored concept spaces: $AUDIO_CONCEPTS_CACHE. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AUDIO_CONCEPTS_CACHE ?? join(homedir(), '.cache', 'audio-concepts');
}
