/**
 * The features the drift tests watch, for a vocabulary of K concepts: two signals of every frame (cosine and l0),
 * then, per concept k, its activation (1 when its weight is > 0) and its mass (its weight, 0 when absent).
 * Feature 0 is cosine, 1 is l0, 2 + 2k the activation and 3 + 2k the mass of concept k.
 */
export const SIGNALS = ['cosine', 'l0'] as const;
export type SignalName = (typeof SIGNALS)[number];
export const SIGNAL_COUNT = SIGNALS.length;

export const rateFeature = (concept: number): number => SIGNAL_COUNT + 2 * concept;
export const massFeature = (concept: number): number => SIGNAL_COUNT + 2 * concept + 1;
export const featureCount = (concepts: number): number => SIGNAL_COUNT + 2 * concepts;
/** The concept of a feature (−1 for a signal). */
export const conceptOf = (feature: number): number => (feature < SIGNAL_COUNT ? -1 : (feature - SIGNAL_COUNT) >> 1);

/** Labels → concept numbers, in the order first seen; `grow` adds unseen labels at the end. */
export class Vocabulary {
  private readonly index = new Map<string, number>();
  readonly labels: string[] = [];

  constructor(labels: readonly string[] = []) {
    for (const label of labels) this.add(label);
  }

  get size(): number {
    return this.labels.length;
  }

  get(label: string): number | undefined {
    return this.index.get(label);
  }

  add(label: string): number {
    const known = this.index.get(label);
    if (known !== undefined) return known;
    this.index.set(label, this.labels.length);
    this.labels.push(label);
    return this.labels.length - 1;
  }
}
