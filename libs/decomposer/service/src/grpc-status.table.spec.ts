import { status } from '@grpc/grpc-js';
import {
  AudioConceptsError,
  FormatError,
  InvalidInputError,
  NonFiniteValueError,
  ShapeMismatchError,
} from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { RejectedEmbeddingError, UnknownConceptSpaceError } from './decomposer.errors';
import { grpcStatusName, grpcStatusOf } from './grpc-status.table';

describe('grpcStatusOf', () => {
  it('maps input errors to INVALID_ARGUMENT and an unknown space to NOT_FOUND, keeping the message', () => {
    const cases: [Error, status][] = [
      [new InvalidInputError('lambda is -1'), status.INVALID_ARGUMENT],
      [new ShapeMismatchError('12 values, expected 16', [16], [12]), status.INVALID_ARGUMENT],
      [new NonFiniteValueError('NaN at index 3', 0, 3), status.INVALID_ARGUMENT],
      [new RejectedEmbeddingError(2, 1, new InvalidInputError('all zeros')), status.INVALID_ARGUMENT],
      [new UnknownConceptSpaceError('x', ['abc']), status.NOT_FOUND],
    ];
    for (const [error, code] of cases) expect(grpcStatusOf(error)).toEqual({ code, details: error.message });
  });

  it('maps everything else to INTERNAL with its message', () => {
    expect(grpcStatusOf(new AudioConceptsError('solver thread crashed: out of memory'))).toEqual({
      code: status.INTERNAL,
      details: 'internal error: solver thread crashed: out of memory',
    });
    expect(grpcStatusOf(new FormatError('bad manifest'))).toEqual({
      code: status.INTERNAL,
      details: 'internal error: bad manifest',
    });
    expect(grpcStatusOf('a string')).toEqual({ code: status.INTERNAL, details: 'internal error: a string' });
  });

  it('names status codes, and unknown ones explicitly', () => {
    expect(grpcStatusName(status.OK)).toBe('OK');
    expect(grpcStatusName(status.RESOURCE_EXHAUSTED)).toBe('RESOURCE_EXHAUSTED');
    expect(grpcStatusName(99)).toBe('UNKNOWN_STATUS_99');
  });
});
