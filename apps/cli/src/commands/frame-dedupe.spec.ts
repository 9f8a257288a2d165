import { describe, expect, it } from 'vitest';
import { FrameDedupe } from './frame-dedupe';

describe('FrameDedupe', () => {
  it('passes each (stream, window_seq) once', () => {
    const dedupe = new FrameDedupe();
    expect(dedupe.first('a', 0)).toBe(true);
    expect(dedupe.first('a', 1)).toBe(true);
    expect(dedupe.first('b', 0)).toBe(true);
    expect(dedupe.first('a', 0)).toBe(false);
    expect(dedupe.first('b', 0)).toBe(false);
  });

  it('does not confuse streams whose names look like a pair', () => {
    const dedupe = new FrameDedupe();
    expect(dedupe.first('a1', 2)).toBe(true);
    expect(dedupe.first('a', 12)).toBe(true);
  });

  it('forgets the oldest pairs beyond its capacity, and only those', () => {
    const dedupe = new FrameDedupe(3);
    for (const seq of [0, 1, 2, 3]) expect(dedupe.first('s', seq)).toBe(true);
    expect(dedupe.first('s', 3)).toBe(false);
    expect(dedupe.first('s', 0)).toBe(true);
  });
});
