import { describe, expect, it } from 'vitest';
import {
  AudioConceptsError,
  FormatError,
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
} from './audio-concepts.error';

describe('AudioConceptsError', () => {
  it('is not retriable unless said so, and keeps its cause', () => {
    const cause = new Error('socket closed');
    const plain = new AudioConceptsError('bad');
    const transient = new AudioConceptsError('broker unavailable', { retriable: true, cause });
    expect(plain.retriable).toBe(false);
    expect(plain.cause).toBeUndefined();
    expect(transient.retriable).toBe(true);
    expect(transient.cause).toBe(cause);
  });

  it('subclasses carry their context as fields and their own name', () => {
    const shape = new ShapeMismatchError('shape [3, 5] does not match dictionary d = 4', [3, 4], [3, 5]);
    const nonFinite = new NonFiniteValueError('embeddings has NaN at row 2, column 1', 2, 1);
    const format = new FormatError('x.npy: truncated', 'x.npy');
    for (const e of [shape, nonFinite, format, new InvalidInputError('zero row')]) {
      expect(e).toBeInstanceOf(AudioConceptsError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe(e.constructor.name);
    }
    expect([shape.expected, shape.actual]).toEqual([
      [3, 4],
      [3, 5],
    ]);
    expect([nonFinite.row, nonFinite.column]).toEqual([2, 1]);
    expect(format.path).toBe('x.npy');
    expect(String(shape)).toBe('ShapeMismatchError: shape [3, 5] does not match dictionary d = 4');
  });
});
