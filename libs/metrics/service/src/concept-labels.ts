/** The label of every concept outside a group's labelled set. */
export const OTHER_CONCEPT = 'other';

/**
 * Which concepts of a stream group get a `concept` label of their own, so that label cardinality stays bounded:
 * the group's `top` most active concepts, re-ranked every `rerankEvery` frames; until the first ranking, the first
 * `top` concepts seen. A concept that leaves the top keeps its (now idle) series; at most 2 × `top` concepts are
 * ever labelled per group, and everything else counts as `other`.
 */
export class ConceptLabels {
  private readonly counts = new Map<string, number>();
  private readonly labelled = new Set<string>();
  private readonly everLabelled = new Set<string>();
  private frames = 0;

  constructor(
    private readonly top: number,
    private readonly rerankEvery = 1000,
  ) {}

  /** Counts a frame's active concepts and returns the label each is reported under. */
  labelsOf(concepts: readonly string[]): string[] {
    this.frames++;
    for (const c of concepts) this.counts.set(c, (this.counts.get(c) ?? 0) + 1);
    if (this.frames % this.rerankEvery === 0) this.rerank();
    return concepts.map((c) => {
      if (this.labelled.has(c)) return c;
      if (this.labelled.size < this.top && this.admit(c)) return c;
      return OTHER_CONCEPT;
    });
  }

  private rerank(): void {
    const ranked = [...this.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, this.top);
    this.labelled.clear();
    for (const [concept] of ranked) this.admit(concept);
  }

  private admit(concept: string): boolean {
    if (!this.everLabelled.has(concept) && this.everLabelled.size >= 2 * this.top) return false;
    this.everLabelled.add(concept);
    this.labelled.add(concept);
    return true;
  }
}
