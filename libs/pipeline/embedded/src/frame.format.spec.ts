import { describe, expect, it } from 'vitest';
import { ConceptFrame } from '@audio-concepts/shared-contracts';
import { frameJson, frameLine } from './frame.format';

const message = (over: Partial<ConceptFrame> = {}): ConceptFrame =>
  ConceptFrame.fromPartial({
    streamId: 'radio-1',
    windowSeq: 3,
    startMs: 30_000,
    durationMs: 5_000,
    concepts: [
      { index: 4, label: 'rain', weight: 0.21 },
      { index: 1, label: 'thunder', weight: 0.14 },
    ],
    cosine: 0.83,
    l0: 37,
    ...over,
  });

describe('frameJson', () => {
  it('gives the JSON line of `tag --json`: seconds, label/weight, 6 decimals after a protobuf round trip', () => {
    const wire = ConceptFrame.decode(ConceptFrame.encode(message()).finish());
    expect(wire.concepts[0].weight).not.toBe(0.21); // float32 on the wire
    expect(JSON.parse(frameJson(wire))).toEqual({
      stream: 'radio-1',
      window_seq: 3,
      start_s: 30,
      end_s: 35,
      concepts: [
        { label: 'rain', weight: 0.21 },
        { label: 'thunder', weight: 0.14 },
      ],
      cosine: 0.83,
      l0: 37,
    });
  });
});

describe('frameLine', () => {
  it('prints the span, the concepts with 3 decimals, the cosine and l0', () => {
    expect(frameLine(message())).toBe('   30.0–35.0 s  rain 0.210; thunder 0.140   (cos 0.83, 37 concepts)');
  });

  it('says when a window has no concept, and uses the singular for one', () => {
    expect(frameLine(message({ concepts: [], l0: 0 }))).toContain('(no concept)');
    expect(frameLine(message({ l0: 1 }))).toMatch(/1 concept\)$/);
  });
});
