import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { StreamBusyError } from './ingest.errors';
import { StreamRegistry } from './stream.registry';

describe('StreamRegistry', () => {
  it('starts a new stream at 0 and goes on where the last feed stopped', () => {
    const sut = new StreamRegistry();
    const first = sut.acquire('a');
    expect(first.start).toEqual({ nextSeq: 0, nextStartMs: 0 });
    first.release({ nextSeq: 4, nextStartMs: 35_000 });
    const second = sut.acquire('a');
    expect(second.start).toEqual({ nextSeq: 4, nextStartMs: 35_000 });
    expect(sut.acquire('b').start).toEqual({ nextSeq: 0, nextStartMs: 0 });
  });

  it('lets one feed hold a stream at a time', () => {
    const sut = new StreamRegistry();
    const lease = sut.acquire('a');
    expect(() => sut.acquire('a')).toThrow(StreamBusyError);
    expect(sut.activeCount).toBe(1);
    lease.release({ nextSeq: 1, nextStartMs: 10_000 });
    lease.release({ nextSeq: 99, nextStartMs: 0 }); // a second release changes nothing
    expect(sut.activeCount).toBe(0);
    expect(sut.acquire('a').start.nextSeq).toBe(1);
  });

  it('takes the client’s position over the remembered one', () => {
    const sut = new StreamRegistry();
    sut.acquire('a').release({ nextSeq: 4, nextStartMs: 35_000 });
    expect(sut.acquire('a', { nextSeq: 100 }).start).toEqual({ nextSeq: 100, nextStartMs: 35_000 });
    expect(() => sut.acquire('b', { nextSeq: -1 })).toThrow(InvalidInputError);
    expect(() => sut.acquire('b', { nextStartMs: 1.5 })).toThrow(
      /nextStartMs must be an integer in \[0, 9007194959773695\], got 1.5/,
    );
    expect(() => sut.acquire('b', { nextSeq: Number.MAX_SAFE_INTEGER - 1 })).toThrow(InvalidInputError);
    expect(sut.activeCount).toBe(1); // the refused acquires took nothing
  });

  it('forgets the least recently fed idle streams beyond maxRemembered', () => {
    const sut = new StreamRegistry(2);
    sut.acquire('a').release({ nextSeq: 1, nextStartMs: 0 });
    sut.acquire('b').release({ nextSeq: 2, nextStartMs: 0 });
    sut.acquire('a').release({ nextSeq: 3, nextStartMs: 0 });
    sut.acquire('c').release({ nextSeq: 4, nextStartMs: 0 });
    expect(sut.acquire('b').start.nextSeq).toBe(0);
    expect(sut.acquire('a').start.nextSeq).toBe(3);
    expect(sut.acquire('c').start.nextSeq).toBe(4);
  });
});
