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
    lambda: 0.15,
    conceptSpaceId: 'c0ffee',
    ...over,
  });

/** `n` concepts c0, c1, … of falling weight 0.5, 0.45, … */
const manyConcepts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ index: i, label: `c${i}`, weight: 0.5 - 0.05 * i }));

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
      lambda: 0.15, // float32 on the wire, printed to 7 significant digits
      model_id: null,
      concept_space_id: 'c0ffee',
    });
  });

  it('names the model after the DESIGN §4 keys: the same keys whether it is known (tag) or not (tail)', () => {
    const known = JSON.parse(frameJson(message(), { modelId: '0f3ea5f68a85af95' }));
    expect(Object.keys(known)).toEqual(['stream', 'window_seq', 'start_s', 'end_s', 'concepts', 'cosine', 'l0', 'lambda', 'model_id', 'concept_space_id']); // prettier-ignore
    expect(known.model_id).toBe('0f3ea5f68a85af95');
    expect(Object.keys(JSON.parse(frameJson(message())))).toEqual(Object.keys(known));
  });

  it('lists every concept of the frame, or the K largest with `top` (l0 still counts all)', () => {
    const frame = message({ concepts: manyConcepts(8), l0: 8 });
    expect(JSON.parse(frameJson(frame)).concepts).toHaveLength(8);
    const top = JSON.parse(frameJson(frame, { top: 3 }));
    expect([top.concepts.map((c: { label: string }) => c.label), top.l0]).toEqual([['c0', 'c1', 'c2'], 8]);
    expect(JSON.parse(frameJson(frame, { top: 20 })).concepts).toHaveLength(8);
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
    expect(frameLine(message(), { clock: 'mm:ss' })).toBe(
      '00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, 37 concepts)',
    );
    expect(frameLine(message())).toBe('00:00:30.0–00:00:35.0  rain 0.210; thunder 0.140   (cos 0.83, 37 concepts)');
  });

  it('shows the DEFAULTS.tableTop largest concepts, or `top`, and says how many more the frame lists', () => {
    const frame = message({ concepts: manyConcepts(8), l0: 8 });
    expect(DEFAULTS.tableTop).toBe(5);
    expect(frameLine(frame, { clock: 'mm:ss' })).toBe(
      '00:30.0–00:35.0  c0 0.500; c1 0.450; c2 0.400; c3 0.350; c4 0.300; + 3 more   (cos 0.83, 8 concepts)',
    );
    expect(frameLine(frame, { clock: 'mm:ss', top: 1 })).toBe(
      '00:30.0–00:35.0  c0 0.500; + 7 more   (cos 0.83, 8 concepts)',
    );
    expect(frameLine(frame, { top: 8 })).not.toContain('more');
    // a frame of an older decomposer lists its top 5 while l0 counts 37: nothing is cut here, l0 says the rest
    expect(frameLine(message({ concepts: manyConcepts(5), l0: 37 }))).toMatch(
      /c4 0\.300 {3}\(cos 0\.83, 37 concepts\)$/,
    );
  });

  it('keeps the columns aligned past 20 minutes (was `1180.0–1190.0 s` against `  30.0–35.0 s`)', () => {
    const at = (startMs: number) =>
      frameLine(message({ startMs, durationMs: 10_000 }), { clock: 'mm:ss' }).indexOf('rain');
    expect(new Set([0, 30_000, 590_000, 1_180_000, 3_590_000].map(at)).size).toBe(1);
  });

  it('shows the fit, and marks a window nothing in the vocabulary fits', () => {
    expect(frameLine(message({ fit: 0.951 }), { clock: 'mm:ss' })).toBe(
      '00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, fit 0.95, 37 concepts)',
    );
    expect(frameLine(message({ fit: 0.87 }), { clock: 'mm:ss' })).toBe(
      '00:30.0–00:35.0  rain 0.210; thunder 0.140   (cos 0.83, fit 0.87, 37 concepts)  unknown: nothing in the vocabulary fits',
    );
  });

  it('says when a window has no concept, and uses the singular for one', () => {
    expect(frameLine(message({ concepts: [], l0: 0 }))).toContain('(no concept)');
    expect(frameLine(message({ l0: 1 }))).toMatch(/1 concept\)$/);
  });
});
