import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate.limiter';

function limiterAt(perMinute: number) {
  const clock = { now: 1_000_000 };
  return { sut: new RateLimiter(perMinute, () => clock.now), clock };
}

describe('RateLimiter', () => {
  it('allows a burst of perMinute requests, then refuses with the seconds to the next token', () => {
    const { sut } = limiterAt(3);
    expect([sut.take('t'), sut.take('t'), sut.take('t')]).toEqual(Array(3).fill({ allowed: true }));
    expect(sut.take('t')).toEqual({ allowed: false, retryAfterS: 20 });
  });

  it('refills at perMinute per minute', () => {
    const { sut, clock } = limiterAt(60);
    for (let i = 0; i < 60; i++) expect(sut.take('t').allowed).toBe(true);
    expect(sut.take('t')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.now += 1_000;
    expect(sut.take('t').allowed).toBe(true);
    expect(sut.take('t').allowed).toBe(false);
    clock.now += 3_600_000;
    for (let i = 0; i < 60; i++) expect(sut.take('t').allowed).toBe(true);
    expect(sut.take('t').allowed).toBe(false);
  });

  it('keeps a bucket per key', () => {
    const { sut } = limiterAt(1);
    expect(sut.take('a').allowed).toBe(true);
    expect(sut.take('a').allowed).toBe(false);
    expect(sut.take('b').allowed).toBe(true);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0)).toThrow(InvalidInputError);
    expect(() => new RateLimiter(1.5)).toThrow(/positive integer of requests per minute, got 1.5/);
  });
});
