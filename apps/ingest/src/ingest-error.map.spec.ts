import { AudioDecodeError } from '@audio-concepts/ingest-audio';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import {
  AudioLimitError,
  IdleTimeoutError,
  IngestInterruptedError,
  PayloadTooLargeError,
  RateLimitedError,
  StreamBusyError,
  StreamPositionConflictError,
  UnauthorizedError,
  WindowPublishError,
} from '@audio-concepts/ingest-stream';
import { describe, expect, it } from 'vitest';
import { mapError } from './ingest-error.map';

describe('mapError', () => {
  it.each([
    [new UnauthorizedError('no token'), 401, 1008],
    [new RateLimitedError('slow down', 3), 429, 1008],
    [new PayloadTooLargeError(10, 11), 413, 1009],
    [new AudioLimitError(3600), 413, 1009],
    [new IdleTimeoutError(30), 408, 1008],
    [new StreamBusyError('s'), 409, 1008],
    [new StreamPositionConflictError('s', 8), 409, 1008],
    [new InvalidInputError('bad id'), 400, 1008],
    [new AudioDecodeError('not audio', { uri: 'x' }), 422, 1007],
    [new WindowPublishError('kafka down'), 503, 1013],
  ])('maps %s to HTTP %i and close code %i', (error, status, closeCode) => {
    expect(mapError(error)).toMatchObject({ status, closeCode, message: error.message, internal: false });
  });

  it('maps an interrupted ingest by its cause and keeps the progress', () => {
    const progress = { stream: 's', windows: 2, firstSeq: 0, lastSeq: 1 };
    const mapped = mapError(new IngestInterruptedError(new WindowPublishError('kafka down'), progress));
    expect(mapped).toMatchObject({ status: 503, message: 'kafka down', progress });
  });

  it('hides the details of anything else behind a 500', () => {
    expect(mapError(new TypeError('x is undefined'))).toMatchObject({
      status: 500,
      closeCode: 1011,
      message: 'internal error',
      internal: true,
    });
    expect(mapError('a string').error.message).toBe('a string');
  });
});
