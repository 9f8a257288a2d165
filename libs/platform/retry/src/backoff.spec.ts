import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs } from './backoff';

describe('Backoff', () => {
  it('doubles from 1 s up to 30 s, and starts again after reset', () => {
    const sut = new Backoff({ random: () => 0.5 });
    expect(Array.from({ length: 8 }, () => sut.next())).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    sut.reset();
    expect(sut.next()).toBe(1000);
  });

  it('jitters each delay by ±20% without passing the maximum', () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 0.999999 });
    expect([low.next(), low.next()]).toEqual([800, 1600]);
    expect([high.next(), high.next()]).toEqual([1200, 2400]);
    for (let i = 0; i < 10; i++) expect(high.next()).toBeLessThanOrEqual(30_000);
  });

  it('rejects bad limits', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(InvalidInputError);
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(/initialMs=10, maxMs=5/);
  });
});

describe('backoffDelayMs', () => {
  it('gives the delay of one attempt, as Backoff does', () => {
    const half = () => 0.5;
    expect([1, 2, 3].map((attempt) => backoffDelayMs(attempt, 500, 30_000, half))).toEqual([500, 1000, 2000]);
    expect(backoffDelayMs(1_000, 500, 30_000, () => 0.999999)).toBe(30_000);
  });
});
