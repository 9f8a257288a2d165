import { describe, expect, it } from 'vitest';
import { type AudioWindow, AudioDecodeError, windowAudio } from './index';

const RATE = 48_000;

/** `seconds` of a ramp (sample i has value i, exact in float32 below 2^24) in chunks of `chunkSamples`. */
async function* ramp(seconds: number, chunkSamples = RATE, rate = RATE): AsyncGenerator<Float32Array> {
  const total = Math.round(seconds * rate);
  for (let start = 0; start < total; start += chunkSamples) {
    const chunk = new Float32Array(Math.min(chunkSamples, total - start));
    for (let i = 0; i < chunk.length; i++) chunk[i] = start + i;
    yield chunk;
  }
}

async function collect(windows: AsyncIterable<AudioWindow>): Promise<AudioWindow[]> {
  const out: AudioWindow[] = [];
  for await (const w of windows) out.push(w);
  return out;
}

const spans = (windows: AudioWindow[]) => windows.map((w) => [w.startS, w.endS]);

/** Every window holds exactly the stream's samples from its start on. */
function expectRampSamples(windows: AudioWindow[]): void {
  for (const w of windows) {
    expect(w.samples.length).toBe(Math.round((w.endS - w.startS) * RATE));
    expect(w.samples[0]).toBe(w.startSample);
    expect(w.samples.at(-1)).toBe(w.startSample + w.samples.length - 1);
  }
}

describe('windowAudio', () => {
  it('35 s in 10 s windows: three full windows and the 5 s tail', async () => {
    const windows = await collect(windowAudio(ramp(35), { sampleRate: RATE }));
    expect(spans(windows)).toEqual([
      [0, 10],
      [10, 20],
      [20, 30],
      [30, 35],
    ]);
    expect(windows.map((w) => w.seq)).toEqual([0, 1, 2, 3]);
    expect(windows.map((w) => w.startSample)).toEqual([0, 480_000, 960_000, 1_440_000]);
    expect(windows.map((w) => w.samples.length)).toEqual([480_000, 480_000, 480_000, 240_000]);
    expectRampSamples(windows);
  });

  it('35 s in 10 s windows with a 5 s hop: stops at the window that reaches the end', async () => {
    const windows = await collect(windowAudio(ramp(35), { sampleRate: RATE, windowS: 10, hopS: 5 }));
    expect(spans(windows)).toEqual([
      [0, 10],
      [5, 15],
      [10, 20],
      [15, 25],
      [20, 30],
      [25, 35],
    ]);
    expect(windows.every((w) => w.samples.length === 480_000)).toBe(true);
    expectRampSamples(windows);
  });

  it('a 3 s clip gives one window with its 3 s of real samples', async () => {
    const windows = await collect(windowAudio(ramp(3), { sampleRate: RATE }));
    expect(spans(windows)).toEqual([[0, 3]]);
    expect(windows[0].samples.length).toBe(3 * RATE);
    expectRampSamples(windows);
  });

  it('drops a tail shorter than 1 s (20.03 s: no 20.0–20.03 window), keeps one of 1 s or more', async () => {
    expect(spans(await collect(windowAudio(ramp(20.03), { sampleRate: RATE })))).toEqual([[0, 10], [10, 20]]); // prettier-ignore
    expect(spans(await collect(windowAudio(ramp(20.999), { sampleRate: RATE })))).toEqual([[0, 10], [10, 20]]); // prettier-ignore
    expect(spans(await collect(windowAudio(ramp(21), { sampleRate: RATE })))).toEqual([[0, 10], [10, 20], [20, 21]]); // prettier-ignore
    const custom = await collect(windowAudio(ramp(20.5), { sampleRate: RATE, minTailS: 0.25 }));
    expect(spans(custom)).toEqual([[0, 10], [10, 20], [20, 20.5]]); // prettier-ignore
  });

  it('keeps a clip shorter than the minimum tail when it is the only window', async () => {
    const windows = await collect(windowAudio(ramp(0.3), { sampleRate: RATE }));
    expect(spans(windows)).toEqual([[0, 0.3]]);
  });

  it('exactly 20 s gives two full windows and no empty tail', async () => {
    const windows = await collect(windowAudio(ramp(20), { sampleRate: RATE }));
    expect(spans(windows)).toEqual([
      [0, 10],
      [10, 20],
    ]);
  });

  it('a hop longer than the window leaves gaps', async () => {
    const windows = await collect(windowAudio(ramp(26), { sampleRate: RATE, windowS: 4, hopS: 10 }));
    expect(spans(windows)).toEqual([
      [0, 4],
      [10, 14],
      [20, 24],
    ]);
    expectRampSamples(windows);
    // The stream ends inside a gap: no window starts there.
    expect(spans(await collect(windowAudio(ramp(17), { sampleRate: RATE, windowS: 4, hopS: 10 })))).toEqual([
      [0, 4],
      [10, 14],
    ]);
  });

  it('gives identical windows whatever the chunk sizes', async () => {
    const options = { sampleRate: RATE, windowS: 10, hopS: 3 };
    const oneChunk = await collect(windowAudio(ramp(35, 35 * RATE), options));
    const tiny = await collect(windowAudio(ramp(35, 1000), options));
    const odd = await collect(windowAudio(ramp(35, 4799), options));
    // Full windows start at 0, 3, …, 24; the one at 24 ends at 34, so the tail 27–35 follows and ends it.
    expect(oneChunk.length).toBe(10);
    expect(spans(oneChunk).at(-1)).toEqual([27, 35]);
    for (const other of [tiny, odd]) {
      expect(spans(other)).toEqual(spans(oneChunk));
      // Byte comparison: a deep toEqual over 10 × 480,000 floats takes a minute on a loaded machine.
      other.forEach((w, i) =>
        expect(Buffer.from(w.samples.buffer).equals(Buffer.from(oneChunk[i].samples.buffer))).toBe(true),
      );
    }
  });

  it('hands out windows that stay valid after later ones are cut', async () => {
    const windows = await collect(windowAudio(ramp(30), { sampleRate: RATE, windowS: 10, hopS: 5 }));
    expect(windows.map((w) => w.samples[0])).toEqual([0, 5, 10, 15, 20].map((s) => s * RATE));
  });

  it('rejects a stream with no samples as "no audio", naming the stream', async () => {
    const none = async function* () {
      yield new Float32Array(0);
    };
    const error = await collect(windowAudio(none(), { sampleRate: RATE })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioDecodeError);
    expect((error as Error).message).toBe('no audio in the audio stream');
    const named = Object.assign(none(), { uri: 'x.flac' });
    await expect(collect(windowAudio(named, { sampleRate: RATE }))).rejects.toThrow('no audio in x.flac');
  });

  it('checks its options at once', () => {
    const chunks = ramp(1);
    expect(() => windowAudio(chunks, { sampleRate: RATE, windowS: 0 })).toThrow(/windowS must be a positive/);
    expect(() => windowAudio(chunks, { sampleRate: RATE, windowS: -1 })).toThrow(/windowS must be a positive/);
    expect(() => windowAudio(chunks, { sampleRate: RATE, hopS: 0 })).toThrow(/hopS must be a positive.*got 0/);
    expect(() => windowAudio(chunks, { sampleRate: RATE, hopS: Number.NaN })).toThrow(/hopS must be a positive/);
    expect(() => windowAudio(chunks, { sampleRate: RATE, windowS: 1e-6 })).toThrow(/at least one sample/);
    expect(() => windowAudio(chunks, { sampleRate: 0 })).toThrow(/sampleRate must be a positive/);
  });

  it('windows an hour in constant memory', async () => {
    const seconds = 3600;
    async function* silence(): AsyncGenerator<Float32Array> {
      for (let s = 0; s < seconds; s++) yield new Float32Array(RATE);
    }
    // Sample buffers live outside the JS heap, so count them (arrayBuffers) with it.
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    let peak = 0;
    let count = 0;
    let covered = 0;
    for await (const w of windowAudio(silence(), { sampleRate: RATE, windowS: 10, hopS: 5 })) {
      count += 1;
      covered = w.endS;
      if (count % 10 === 0) peak = Math.max(peak, used() - before);
    }
    expect(count).toBe(719); // starts 0, 5, …, 3590; the one at 3590 reaches the end
    expect(covered).toBe(seconds);
    // The whole hour would be 691 MB of float32; a window is 1.9 MB.
    expect(peak).toBeLessThan(128 * 1024 * 1024);
  });
});
