import { describe, expect, it } from 'vitest';
import { ConceptFrame, DEFAULTS } from '@audio-concepts/shared-contracts';
import { clockFor, formatClock, frameJson, frameLine, isUnknown } from './frame.format';

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
    conceptSpaceId: 'c0ffee',
    ...over,
  });

describe('frameJson', () => {
  it('gives the JSON line of `tag --json`: seconds, label/weight, 6 decimals after a protobuf round trip, the concept space', () => {
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
      concept_space_id: 'c0ffee',
    });
  });

  it('names the model after the DESIGN §4 keys when it is known', () => {
    const keys = Object.keys(JSON.parse(frameJson(message(), { modelId: '0f3ea5f68a85af95' })));
    expect(keys).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'concepts', 'cosine', 'l0', 'model_id', 'concept_space_id']); // prettier-ignore
  });

  it('adds the fit and whether the window is unknown (fit below the threshold) when the frame has a fit', () => {
    const fitting = JSON.parse(frameJson(message({ fit: 0.95 })));
    expect([Object.keys(fitting).slice(-2), fitting.fit, fitting.unknown]).toEqual([['fit', 'unknown'], 0.95, false]);
    const unknown = JSON.parse(frameJson(message({ fit: 0.87 })));
    expect([unknown.fit, unknown.unknown]).toEqual([0.87, true]);
    expect(JSON.parse(frameJson(message({ fit: 0.87 }), { unknownFit: 0.8 })).unknown).toBe(false);
  });
});

describe('isUnknown', () => {
  it('is fit < DEFAULTS.unknownFit; a frame without a fit (an older decomposer) is not judged', () => {
    expect(isUnknown(message({ fit: DEFAULTS.unknownFit - 1e-3 }))).toBe(true);
    expect(isUnknown(message({ fit: DEFAULTS.unknownFit }))).toBe(false);
    expect(isUnknown(message())).toBeUndefined();
  });
});

describe('formatClock', () => {
  it('writes mm:ss.s or hh:mm:ss.s to the tenth, zero-padded to a fixed width', () => {
    expect(formatClock(0, 'mm:ss')).toBe('00:00.0');
    expect(formatClock(1_180_000, 'mm:ss')).toBe('19:40.0');
    expect(formatClock(59_960, 'mm:ss')).toBe('01:00.0');
    expect(formatClock(3_599_900, 'mm:ss')).toBe('59:59.9');
    expect(formatClock(30_000, 'hh:mm:ss')).toBe('00:00:30.0');
    expect(formatClock(3_723_450, 'hh:mm:ss')).toBe('01:02:03.5');
    expect(formatClock(100 * 3_600_000, 'hh:mm:ss')).toBe('100:00:00.0');
  });

  it('picks mm:ss for inputs known to be under an hour, hh:mm:ss otherwise', () => {
    expect(clockFor(1190)).toBe('mm:ss');
    expect(clockFor(3600)).toBe('hh:mm:ss');
    expect(clockFor(undefined)).toBe('hh:mm:ss');
  });
});

describe('frameLine', () => {
  it('prints the span, the concepts with 3 decimals, the cosine and l0', () => {
    expect(frameLine(message(), 'mm:ss')).toBe('00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, 37 concepts)');
    expect(frameLine(message())).toBe('00:00:30.0–00:00:35.0  rain 0.210; thunder 0.140   (cos 0.83, 37 concepts)');
  });

  it('keeps the columns aligned past 20 minutes (was `1180.0–1190.0 s` against `  30.0–35.0 s`)', () => {
    const at = (startMs: number) => frameLine(message({ startMs, durationMs: 10_000 }), 'mm:ss').indexOf('rain');
    expect(new Set([0, 30_000, 590_000, 1_180_000, 3_590_000].map(at)).size).toBe(1);
  });

  it('shows the fit, and marks a window nothing in the vocabulary fits', () => {
    expect(frameLine(message({ fit: 0.951 }), 'mm:ss')).toBe(
      '00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, fit 0.95, 37 concepts)',
    );
    expect(frameLine(message({ fit: 0.87 }), 'mm:ss')).toBe(
      '00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, fit 0.87, 37 concepts)  unknown: nothing in the vocabulary fits',
    );
  });

  it('says when a window has no concept, and uses the singular for one', () => {
    expect(frameLine(message({ concepts: [], l0: 0 }))).toContain('(no concept)');
    expect(frameLine(message({ l0: 1 }))).toMatch(/1 concept\)$/);
  });
});
