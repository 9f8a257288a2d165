import { InvalidInputError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { StreamBusyError, StreamPositionConflictError } from './ingest.errors';
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

  it('refuses a client position below the numbers the stream has used, naming them', () => {
    const sut = new StreamRegistry();
    sut.acquire('a').release({ nextSeq: 8, nextStartMs: 75_000 });
    expect(() => sut.acquire('a', { nextSeq: 2 })).toThrow(new StreamPositionConflictError('a', 8));
    expect(() => sut.acquire('a', { nextSeq: 2 })).toThrow(
      'stream a already has windows up to seq 7; seq_start must be ≥ 8 (or use a new stream id)',
    );
    expect(sut.activeCount).toBe(0);
    expect(sut.acquire('a', { nextSeq: 8 }).start).toEqual({ nextSeq: 8, nextStartMs: 75_000 });
  });

  it('learns positions from the log; a position only moves forward', () => {
    const sut = new StreamRegistry();
    sut.learn('a', { nextSeq: 4, nextStartMs: 35_000 });
    sut.learn('a', { nextSeq: 3, nextStartMs: 90_000 }); // an older record
    expect(sut.positionOf('a')).toEqual({ nextSeq: 4, nextStartMs: 35_000 });
    sut.learn('a', { nextSeq: 4, nextStartMs: 40_000 });
    expect(sut.acquire('a').start).toEqual({ nextSeq: 4, nextStartMs: 40_000 });
    expect(sut.knownCount).toBe(1);
    sut.forget('a'); // not while it is fed
    expect(sut.knownCount).toBe(1);
    sut.forget('b');
  });

  it('forgets an idle stream when told', () => {
    const sut = new StreamRegistry();
    sut.acquire('a').release({ nextSeq: 4, nextStartMs: 35_000 });
    sut.forget('a');
    expect(sut.positionOf('a')).toBeUndefined();
    expect(sut.acquire('a').start).toEqual({ nextSeq: 0, nextStartMs: 0 });
  });
});
