import { describe, expect, it } from 'vitest';
import { AudioRateLimiter } from './audio-rate.limiter';

describe('AudioRateLimiter', () => {
  it('lets a burst through, then slows a stream to the rate', () => {
    let now = 0;
    const sut = new AudioRateLimiter(10, 60, () => now);
    for (let i = 0; i < 6; i++) expect(sut.take('s', 10)).toBe(0);
    // the bucket is empty: 10 s of audio at 10 s per second wait 1 s
    expect(sut.take('s', 10)).toBe(1_000);
    now += 1_000;
    expect(sut.take('s', 10)).toBe(1_000);
    // another stream has a bucket of its own
    expect(sut.take('other', 10)).toBe(0);
  });

  it('never holds back a live stream (1 s of audio per second)', () => {
    let now = 0;
    const sut = new AudioRateLimiter(1, 60, () => now);
    for (let i = 0; i < 1_000; i++) {
      expect(sut.take('live', 10)).toBe(0);
      now += 10_000;
    }
  });

  it('refills up to the burst only', () => {
    let now = 0;
    const sut = new AudioRateLimiter(2, 20, () => now);
    sut.take('s', 20);
    now += 3_600_000;
    expect(sut.take('s', 20)).toBe(0);
    expect(sut.take('s', 2)).toBe(1_000);
  });

  it('refuses a rate or burst that is not positive', () => {
    expect(() => new AudioRateLimiter(0, 10)).toThrow(/ratePerS must be a positive number, got 0/);
    expect(() => new AudioRateLimiter(1, Number.NaN)).toThrow(/burstS must be a positive number/);
  });
});
