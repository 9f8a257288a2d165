import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import type { DriftFrame } from './drift-frame';

/**
 * A synthetic world of concept frames for tests and benchmarks, with the dependence real streams have: a stream moves
 * between scenes (a Markov chain: each window it leaves its scene with probability 1/meanDwell for a scene drawn
 * from the scenes' shares, possibly the same), and each scene has its own activation probability per concept. So
 * concepts are correlated (they share scenes; masses also share a per-frame loudness) and consecutive windows are
 * too (a scene lasts tens of windows). Exported as `@audio-concepts/metrics-drift/testing`.
 *
 * Concept 0 (`TARGET`) is active in 10 % of the windows in the long run (its per-scene rates are ≤ 30 %), so a
 * change can triple it to 30 %.
 */
export interface SceneWorldOptions {
  /** vocabulary size K (default 60) */
  concepts?: number;
  /** number of scenes (default 5) */
  scenes?: number;
  /** mean number of windows a scene lasts (default 20) */
  meanDwell?: number;
  /** expected active concepts per frame (default 8) */
  activePerFrame?: number;
  /** the world itself (rates, weights, scenes) */
  seed?: number;
}

export const TARGET = 'c000';
export const TARGET_RATE = 0.1;

/** What changes from window `at` on (counted over the frames of one `SceneStream`). */
export interface SceneChange {
  at: number;
  /** the concept's activation rates are multiplied so its long-run rate becomes `rate` */
  concept?: { label: string; rate: number };
  /** subtracted from every frame's cosine (the concepts keep their rates) */
  cosineDrop?: number;
}

export class SceneWorld {
  readonly labels: string[];
  readonly meanDwell: number;
  /** long-run share of each scene */
  readonly shares: Float64Array;
  /** activation probability of concept k in scene s: rates[s * K + k] */
  readonly rates: Float64Array;
  readonly scale: Float64Array;
  readonly cosineMean: Float64Array;

  constructor(options: SceneWorldOptions = {}) {
    const K = options.concepts ?? 60;
    const S = options.scenes ?? 5;
    const active = options.activePerFrame ?? 8;
    this.meanDwell = options.meanDwell ?? 20;
    const u = mulberry32(options.seed ?? 1);
    this.labels = Array.from({ length: K }, (_, k) => `c${String(k).padStart(3, '0')}`);
    const shares = Float64Array.from({ length: S }, () => 0.5 + u());
    const total = shares.reduce((a, b) => a + b, 0);
    this.shares = shares.map((x) => x / total);
    this.rates = new Float64Array(S * K);
    // each scene: a few signature concepts (40–90 %), the rest a background sharing what is left of `active`
    const signature = Math.min(K - 1, Math.max(1, Math.round(active / 2)));
    const background = Math.max(0.2, active - signature * 0.65 - TARGET_RATE);
    const backgroundWeights = Float64Array.from({ length: K }, () => Math.exp(1.2 * (u() - 0.5) * 2));
    const backgroundTotal = backgroundWeights.reduce((a, b) => a + b, 0) - backgroundWeights[0];
    for (let s = 0; s < S; s++) {
      for (let k = 1; k < K; k++) this.rates[s * K + k] = (background * backgroundWeights[k]) / backgroundTotal;
      for (let i = 0; i < signature; i++) {
        const k = 1 + Math.floor(u() * (K - 1));
        this.rates[s * K + k] = 0.4 + 0.5 * u();
      }
    }
    const target = Float64Array.from({ length: S }, () => 0.5 + u());
    const targetMean = target.reduce((a, x, s) => a + x * this.shares[s], 0);
    for (let s = 0; s < S; s++) this.rates[s * K] = Math.min(0.95, (TARGET_RATE * target[s]) / targetMean);
    for (let i = 0; i < this.rates.length; i++) this.rates[i] = Math.min(0.95, this.rates[i]);
    this.scale = Float64Array.from({ length: K }, () => 0.05 + 0.35 * u());
    this.cosineMean = Float64Array.from({ length: S }, () => 0.9 + 0.07 * u());
  }

  get concepts(): number {
    return this.labels.length;
  }

  /** The long-run activation rate of a concept. */
  rateOf(label: string): number {
    const k = this.labels.indexOf(label);
    if (k < 0) throw new Error(`no concept '${label}' in this world`);
    let rate = 0;
    for (let s = 0; s < this.shares.length; s++) rate += this.shares[s] * this.rates[s * this.labels.length + k];
    return rate;
  }

  /** A stream of this world's frames (`streamId` ids, 10 s windows unless said), drawn with `seed`. */
  stream(options: { seed: number; streamId?: string; windowMs?: number; change?: SceneChange }): SceneStream {
    return new SceneStream(this, options);
  }

  /** `frames` consecutive frames of a fresh stream. */
  frames(count: number, options: { seed: number; streamId?: string; change?: SceneChange }): DriftFrame[] {
    const stream = this.stream(options);
    return Array.from({ length: count }, () => stream.next());
  }
}

export class SceneStream {
  private readonly uniform: () => number;
  private readonly normal: () => number;
  private scene: number;
  private t = 0;
  private readonly changedConcept: number;
  private readonly changeFactor: number;

  constructor(
    private readonly world: SceneWorld,
    private readonly options: { seed: number; streamId?: string; windowMs?: number; change?: SceneChange },
  ) {
    this.uniform = mulberry32(options.seed);
    this.normal = gaussian(this.uniform);
    this.scene = this.drawScene();
    const concept = options.change?.concept;
    this.changedConcept = concept ? world.labels.indexOf(concept.label) : -1;
    if (concept && this.changedConcept < 0) throw new Error(`no concept '${concept.label}' in this world`);
    this.changeFactor = concept ? concept.rate / world.rateOf(concept.label) : 1;
  }

  /** Index of the next frame in this stream. */
  get position(): number {
    return this.t;
  }

  next(): DriftFrame {
    const { world, uniform, normal } = this;
    if (this.t > 0 && uniform() < 1 / world.meanDwell) this.scene = this.drawScene();
    const K = world.concepts;
    const change = this.options.change;
    const changed = change !== undefined && this.t >= change.at;
    const loudness = Math.exp(0.2 * normal());
    const concepts: { label: string; weight: number }[] = [];
    for (let k = 0; k < K; k++) {
      let p = world.rates[this.scene * K + k];
      if (changed && k === this.changedConcept) p = Math.min(1, p * this.changeFactor);
      if (uniform() < p) {
        const weight = world.scale[k] * loudness * Math.exp(0.3 * normal());
        concepts.push({ label: world.labels[k], weight: Math.round(weight * 1e6) / 1e6 || 1e-6 });
      }
    }
    concepts.sort((a, b) => b.weight - a.weight);
    const drop = changed ? (change?.cosineDrop ?? 0) : 0;
    const cosine = Math.min(0.999, world.cosineMean[this.scene] + 0.015 * normal()) - drop;
    const windowMs = this.options.windowMs ?? 10_000;
    const frame: DriftFrame = {
      streamId: this.options.streamId ?? 'synthetic',
      windowSeq: this.t,
      startMs: this.t * windowMs,
      durationMs: windowMs,
      concepts,
      cosine: Math.round(cosine * 1e6) / 1e6,
      l0: concepts.length,
    };
    this.t++;
    return frame;
  }

  private drawScene(): number {
    let x = this.uniform();
    const shares = this.world.shares;
    for (let s = 0; s < shares.length - 1; s++) {
      x -= shares[s];
      if (x < 0) return s;
    }
    return shares.length - 1;
  }
}
