import { describe, expect, it } from 'vitest';
import { ConceptLabels, OTHER_CONCEPT } from './concept-labels';

describe('ConceptLabels', () => {
  it('labels the first concepts until the cap, then other', () => {
    const labels = new ConceptLabels(2);
    expect(labels.labelsOf(['rain', 'wind'])).toEqual(['rain', 'wind']);
    expect(labels.labelsOf(['thunder', 'rain'])).toEqual([OTHER_CONCEPT, 'rain']);
  });

  it('re-ranks by activity and never labels more than twice the cap', () => {
    const labels = new ConceptLabels(2, 10);
    for (let i = 0; i < 9; i++) labels.labelsOf(['a', 'b']);
    for (let i = 0; i < 30; i++) labels.labelsOf(['c', 'd']);
    // ranked at frames 10, 20, 30: c and d overtook a and b
    expect(labels.labelsOf(['c', 'd', 'a'])).toEqual(['c', 'd', OTHER_CONCEPT]);
    for (let i = 0; i < 100; i++) labels.labelsOf(['e', 'f']);
    // e and f lead now, but a, b, c, d already used the 2 × 2 labels
    expect(labels.labelsOf(['e', 'f'])).toEqual([OTHER_CONCEPT, OTHER_CONCEPT]);
  });
});
