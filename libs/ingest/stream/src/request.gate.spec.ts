import { describe, expect, it } from 'vitest';
import { RateLimitedError, UnauthorizedError } from './ingest.errors';
import { RateLimiter } from './rate.limiter';
import { RequestGate } from './request.gate';

function gate(perMinute = 2) {
  return { sut: new RequestGate('s3cret', new RateLimiter(perMinute, () => 0)) };
}

describe('RequestGate', () => {
  it('admits the right token from the header or the query', () => {
    const { sut } = gate();
    expect(() => sut.admit({ authorization: 'Bearer s3cret' })).not.toThrow();
    expect(() => sut.admit({ queryToken: 's3cret' })).not.toThrow();
  });

  it('refuses a missing or wrong token, without counting it', () => {
    const { sut } = gate(1);
    expect(() => sut.admit({})).toThrow(
      new UnauthorizedError('missing bearer token: send "Authorization: Bearer <token>"'),
    );
    expect(() => sut.admit({ authorization: 'Bearer nope' })).toThrow(UnauthorizedError);
    expect(() => sut.admit({ authorization: 'Bearer s3cret' })).not.toThrow();
  });

  it('refuses requests over the rate limit with Retry-After seconds', () => {
    const { sut } = gate(2);
    sut.admit({ authorization: 'Bearer s3cret' });
    sut.admit({ authorization: 'Bearer s3cret' });
    let error: unknown;
    try {
      sut.admit({ authorization: 'Bearer s3cret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterS).toBe(30);
    expect((error as Error).message).toBe('rate limit of 2 requests per minute exceeded: retry in 30 s');
  });
});
