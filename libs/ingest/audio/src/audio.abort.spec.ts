import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openAudio } from './index';
import { HAS_FFMPEG, wavHeader16 } from './testing';

describe.skipIf(!HAS_FFMPEG)('openAudio with an abort signal', () => {
  it('kills ffmpeg while it waits on a stdin that stays open: the read in flight settles', async () => {
    const stdin = new PassThrough();
    stdin.write(wavHeader16(48_000, 1));
    // 8 s, then nothing more: the writer stays open (ffmpeg probes the first seconds before it outputs any)
    stdin.write(Buffer.alloc(8 * 48_000 * 2));
    const abort = new AbortController();
    const audio = await openAudio('-', { stdin, signal: abort.signal });
    const chunks = audio[Symbol.asyncIterator]();
    let pending = chunks.next();
    let read = 0;
    // Read until a read blocks (nothing comes for 2 s): ffmpeg is then waiting for input.
    for (;;) {
      const next = await Promise.race([pending, new Promise<'blocked'>((r) => setTimeout(() => r('blocked'), 2000))]);
      if (next === 'blocked') break;
      expect(next.done).toBe(false);
      read += 1;
      pending = chunks.next();
    }
    expect(read).toBeGreaterThan(0);
    const blocked = pending;
    abort.abort();
    // Before the signal reached ffmpeg this never settled (the test timed out).
    await expect(blocked).rejects.toThrow(/ffmpeg/);
    stdin.destroy();
  });
});
