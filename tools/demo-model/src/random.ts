import { gaussian, mulberry32 } from '@audio-concepts/shared-random';

/** The seed of everything the generator makes: the same seed gives byte-identical model files and audio. */
export const DEMO_MODEL_SEED = 20240521;

/**
 * The one seedable random source of the generator: mulberry32 (`@audio-concepts/shared-random`) with helpers.
 * Each part of the generator takes its own stream from `fork(label)`, so adding draws in one part does not shift
 * the numbers another part sees.
 */
export class Rng {
  readonly uniform: () => number;
  readonly normal: () => number;

  constructor(readonly seed: number) {
    this.uniform = mulberry32(seed);
    this.normal = gaussian(this.uniform);
  }

  /** An independent stream for `label`, seeded from this stream's seed and the label (not from its position). */
  fork(label: string): Rng {
    let h = this.seed >>> 0;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1) >>> 0;
    return new Rng((h ^ (h >>> 16)) >>> 0);
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Log-uniform in [lo, hi): frequencies, rates. */
  logBetween(lo: number, hi: number): number {
    return lo * (hi / lo) ** this.uniform();
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }

  /** `k` distinct items in random order (partial Fisher–Yates). */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = [...items];
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.uniform() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, k);
  }
}
