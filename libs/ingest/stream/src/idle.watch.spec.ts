import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdleWatch } from './idle.watch';

describe('IdleWatch', () => {
  afterEach(() => vi.useRealTimers());

  it('calls onIdle once after the timeout without bytes', () => {
    vi.useFakeTimers();
    let idle = 0;
    const sut = new IdleWatch(
      2_000,
      () => false,
      () => idle++,
    );
    sut.start();
    vi.advanceTimersByTime(1_500);
    sut.touch();
    vi.advanceTimersByTime(1_500);
    expect(idle).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(idle).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(idle).toBe(1);
  });

  it('does not count the time ingest itself is not reading', () => {
    vi.useFakeTimers();
    let idle = 0;
    let busy = true;
    const sut = new IdleWatch(
      2_000,
      () => busy,
      () => idle++,
    );
    sut.start();
    vi.advanceTimersByTime(60_000);
    expect(idle).toBe(0);
    busy = false;
    vi.advanceTimersByTime(2_500);
    expect(idle).toBe(1);
  });

  it('stops watching on stop', () => {
    vi.useFakeTimers();
    let idle = 0;
    const sut = new IdleWatch(
      1_000,
      () => false,
      () => idle++,
    );
    sut.start();
    sut.stop();
    vi.advanceTimersByTime(5_000);
    expect(idle).toBe(0);
  });
});
