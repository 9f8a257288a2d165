import { pcmOf } from '@audio-concepts/shared-contracts';
import { windowAudio } from '@audio-concepts/ingest-audio';
import { AudioConceptsError, InvalidInputError } from '@audio-concepts/shared-errors';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { AudioRateLimiter } from './audio-rate.limiter';
import { AudioLimitError, IngestInterruptedError, StreamBusyError, WindowPublishError } from './ingest.errors';
import { IngestMetrics } from './ingest.metrics';
import { StreamIngestService } from './stream-ingest.service';
import { StreamRegistry } from './stream.registry';
import { InMemoryPositionLog, InMemoryWindowSink } from './testing';

const RATE = 48_000;

/** `seconds` of a deterministic signal in chunks of irregular sizes (so windows straddle chunk borders). */
async function* signal(seconds: number, onChunk: () => void = () => undefined): AsyncGenerator<Float32Array> {
  const total = Math.round(seconds * RATE);
  const sizes = [12_345, 48_000, 777, 100_000];
  for (let start = 0, i = 0; start < total; i++) {
    const n = Math.min(sizes[i % sizes.length], total - start);
    onChunk();
    yield Float32Array.from({ length: n }, (_, k) => Math.sin((start + k) * 0.001) * 0.5);
    start += n;
  }
}

function newService(windowS = 10, hopS = windowS) {
  const sink = new InMemoryWindowSink();
  const registry = new StreamRegistry();
  const metricsRegistry = new Registry();
  const metrics = new IngestMetrics(metricsRegistry);
  let now = 1_700_000_000_000;
  const sut = new StreamIngestService(sink, registry, metrics, { windowS, hopS }, { clock: () => now++ });
  return { sut, mocks: { sink, registry, metrics, metricsRegistry } };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('StreamIngestService', () => {
  it('publishes the windows of windowAudio with sequence numbers, times and real lengths', async () => {
    const { sut, mocks } = newService();
    const acked: number[] = [];
    const events: string[] = [];
    const summary = await sut.ingest(
      'radio-1',
      signal(35, () => events.push('read')),
      { transport: 'upload', onWindow: (s) => acked.push(s), onStart: () => events.push('start') },
    );
    expect(events.slice(0, 2)).toEqual(['start', 'read']);

    expect(summary).toEqual({ stream: 'radio-1', windows: 4, firstSeq: 0, lastSeq: 3, durationS: 35 });
    expect(acked).toEqual([0, 1, 2, 3]);
    const windows = mocks.sink.windows;
    expect(windows.map((w) => [w.streamId, w.windowSeq, w.startMs, w.durationMs, w.sampleRate])).toEqual([
      ['radio-1', 0, 0, 10_000, RATE],
      ['radio-1', 1, 10_000, 10_000, RATE],
      ['radio-1', 2, 20_000, 10_000, RATE],
      ['radio-1', 3, 30_000, 5_000, RATE],
    ]);
    const expected: Float32Array[] = [];
    for await (const w of windowAudio(signal(35), { sampleRate: RATE, windowS: 10 })) expected.push(w.samples);
    // toEqual on 480 000 floats is slow; compare the lengths, then find the first differing sample
    windows.forEach((w, i) => {
      expect(pcmOf(w).length).toBe(expected[i].length);
      expect(pcmOf(w).findIndex((x, k) => x !== expected[i][k])).toBe(-1);
    });
    // ingestedAtMs is taken as each window closes, in order
    expect(windows.map((w) => w.ingestedAtMs)).toEqual([...windows.map((w) => w.ingestedAtMs)].sort());
  });

  it('honours the hop (overlapping windows)', async () => {
    const { sut, mocks } = newService(10, 5);
    await sut.ingest('s', signal(35), { transport: 'upload' });
    expect(mocks.sink.windows.map((w) => [w.startMs, w.durationMs])).toEqual([
      [0, 10_000],
      [5_000, 10_000],
      [10_000, 10_000],
      [15_000, 10_000],
      [20_000, 10_000],
      [25_000, 10_000],
    ]);
  });

  it('continues a stream’s sequence numbers and timeline in the next feed, or where the client says', async () => {
    const { sut, mocks } = newService();
    await sut.ingest('s', signal(12), { transport: 'upload' });
    const second = await sut.ingest('s', signal(10), { transport: 'websocket' });
    expect(second).toMatchObject({ windows: 1, firstSeq: 2, lastSeq: 2 });
    expect(mocks.sink.windows.map((w) => [w.windowSeq, w.startMs])).toEqual([
      [0, 0],
      [1, 10_000],
      [2, 12_000],
    ]);
    await sut.ingest('s', signal(1), { transport: 'upload', position: { nextSeq: 100, nextStartMs: 0 } });
    expect(mocks.sink.windows.at(-1)).toMatchObject({ windowSeq: 100, startMs: 0, durationMs: 1000 });
  });

  it('lets one feed at a time use a stream id', async () => {
    const { sut, mocks } = newService();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* held(): AsyncGenerator<Float32Array> {
      await gate;
      yield new Float32Array(RATE);
    }
    const first = sut.ingest('s', held(), { transport: 'upload' });
    let started = false;
    await expect(
      sut.ingest('s', signal(1), { transport: 'upload', onStart: () => (started = true) }),
    ).rejects.toBeInstanceOf(StreamBusyError);
    expect(started).toBe(false);
    await expect(sut.ingest('other', signal(1), { transport: 'upload' })).resolves.toMatchObject({ windows: 1 });
    expect(mocks.registry.activeCount).toBe(1);
    release();
    await expect(first).resolves.toMatchObject({ windows: 1, firstSeq: 0 });
    expect(mocks.registry.activeCount).toBe(0);
  });

  it('refuses before reading anything when the stream id is bad or the sink is not ready', async () => {
    const { sut, mocks } = newService();
    let pulled = 0;
    await expect(
      sut.ingest(
        'a b',
        signal(1, () => pulled++),
        { transport: 'upload' },
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
    mocks.sink.notReady = 'connecting to Kafka';
    const error = await caught(
      sut.ingest(
        's',
        signal(1, () => pulled++),
        { transport: 'upload' },
      ),
    );
    expect(error).toBeInstanceOf(WindowPublishError);
    expect((error as Error).message).toBe('cannot accept audio now: connecting to Kafka');
    expect(pulled).toBe(0);
    expect(mocks.registry.activeCount).toBe(0);
  });

  it('reports what was published when publishing fails, and never reuses the failed sequence number', async () => {
    const { sut, mocks } = newService();
    mocks.sink.failFrom = 2;
    const error = await caught(sut.ingest('s', signal(35), { transport: 'upload' }));
    expect(error).toBeInstanceOf(IngestInterruptedError);
    expect((error as IngestInterruptedError).cause).toBeInstanceOf(WindowPublishError);
    expect((error as IngestInterruptedError).retriable).toBe(true);
    expect((error as IngestInterruptedError).progress).toEqual({ stream: 's', windows: 2, firstSeq: 0, lastSeq: 1 });
    mocks.sink.failFrom = Infinity;
    await expect(sut.ingest('s', signal(1), { transport: 'upload' })).resolves.toMatchObject({ firstSeq: 3 });
  });

  it('wraps a decoding failure with the progress so far', async () => {
    const { sut } = newService();
    async function* broken(): AsyncGenerator<Float32Array> {
      yield new Float32Array(RATE * 10);
      throw new AudioConceptsError('stdin: ffmpeg failed (exit code 1): Invalid data');
    }
    const error = (await caught(sut.ingest('s', broken(), { transport: 'upload' }))) as IngestInterruptedError;
    expect(error.message).toBe('stdin: ffmpeg failed (exit code 1): Invalid data');
    expect(error.progress).toMatchObject({ windows: 1, lastSeq: 0 });
  });

  it('names the input in the "no audio" error', async () => {
    const { sut } = newService();
    async function* none(): AsyncGenerator<Float32Array> {}
    const error = await caught(sut.ingest('s', none(), { transport: 'upload', label: 'the request body' }));
    expect((error as Error).message).toBe('no audio in the request body');
  });

  it('uses the audio up to maxDurationS (its windows are published) and ends the feed at one sample more', async () => {
    const { sut, mocks } = newService();
    const error = (await caught(
      sut.ingest('s', signal(35), { transport: 'upload', maxDurationS: 20 }),
    )) as IngestInterruptedError;
    expect(error.cause).toBeInstanceOf(AudioLimitError);
    expect(error.progress).toEqual({ stream: 's', windows: 2, firstSeq: 0, lastSeq: 1 });
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000, 10_000]);
    // exactly at the limit is fine
    await expect(sut.ingest('t', signal(20), { transport: 'upload', maxDurationS: 20 })).resolves.toMatchObject({
      windows: 2,
    });
  });

  it('holds a stream back to the audio rate limit, window by window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const sink = new InMemoryWindowSink();
      const metrics = new IngestMetrics(new Registry());
      // a burst of 10 s, then 100 s of audio per second; a clock that stands still refills nothing
      const audioRate = new AudioRateLimiter(100, 10, () => 0);
      const settings = { windowS: 10, hopS: 10 };
      const sut = new StreamIngestService(sink, new StreamRegistry(), metrics, settings, { audioRate });
      const done = sut.ingest('s', signal(30), { transport: 'upload' });
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.windows).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(99); // the 2nd window waits 100 ms
      expect(sink.windows).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(sink.windows).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(199); // the 3rd, 200 ms
      expect(sink.windows).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      await expect(done).resolves.toMatchObject({ windows: 3 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('makes each window’s next position durable before publishing it, and the end after the last', async () => {
    const sink = new InMemoryWindowSink();
    const positions = new InMemoryPositionLog();
    const events: string[] = [];
    const publish = sink.publish.bind(sink);
    sink.publish = async (w) => {
      events.push(`window ${w.windowSeq} (saved: ${positions.saved.length})`);
      return publish(w);
    };
    const metrics = new IngestMetrics(new Registry());
    const sut = new StreamIngestService(sink, new StreamRegistry(), metrics, { windowS: 10, hopS: 15 }, { positions });
    // hop 15 s > window 10 s: 34 s make windows at 0, 15 and 30 s; the last (a 4 s tail) ends at 34 s
    await sut.ingest('s', signal(34), { transport: 'upload' });
    expect(events).toEqual(['window 0 (saved: 1)', 'window 1 (saved: 2)', 'window 2 (saved: 3)']);
    expect(positions.saved.map((p) => p.position)).toEqual([
      { nextSeq: 1, nextStartMs: 10_000 },
      { nextSeq: 2, nextStartMs: 25_000 },
      { nextSeq: 3, nextStartMs: 34_000 },
    ]);
    expect(positions.catchUps).toBe(1);
    await sut.ingest('s', signal(12), { transport: 'upload' });
    // 12 s from 34 s: a window at 34–44 s; the next would start at 49 s, so 44–46 s make none: the end is recorded
    expect(positions.saved.slice(3).map((p) => p.position)).toEqual([
      { nextSeq: 4, nextStartMs: 44_000 },
      { nextSeq: 4, nextStartMs: 46_000 },
    ]);
  });

  it('publishes no window whose position could not be made durable', async () => {
    const sink = new InMemoryWindowSink();
    const positions = new InMemoryPositionLog();
    positions.failFrom = 1;
    const metrics = new IngestMetrics(new Registry());
    const sut = new StreamIngestService(sink, new StreamRegistry(), metrics, { windowS: 10, hopS: 10 }, { positions });
    const error = (await caught(sut.ingest('s', signal(35), { transport: 'upload' }))) as IngestInterruptedError;
    expect(error.cause).toBeInstanceOf(WindowPublishError);
    expect(error.progress).toEqual({ stream: 's', windows: 1, firstSeq: 0, lastSeq: 0 });
    expect(sink.windows.map((w) => w.windowSeq)).toEqual([0]);
  });

  it('refuses before reading anything when the position log is not ready', async () => {
    const positions = new InMemoryPositionLog();
    positions.notReady = 'loading stream positions from x';
    const metrics = new IngestMetrics(new Registry());
    const sut = new StreamIngestService(
      new InMemoryWindowSink(),
      new StreamRegistry(),
      metrics,
      { windowS: 10, hopS: 10 },
      { positions },
    );
    await expect(sut.ingest('s', signal(1), { transport: 'upload' })).rejects.toThrow(
      'cannot accept audio now: loading stream positions from x',
    );
  });

  it('reads no further than the window being published (backpressure)', async () => {
    const { sut, mocks } = newService(1);
    let pulled = 0;
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => (unblock = resolve));
    const publish = mocks.sink.publish.bind(mocks.sink);
    mocks.sink.publish = async (w) => {
      await blocked;
      return publish(w);
    };
    async function* seconds(): AsyncGenerator<Float32Array> {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield new Float32Array(RATE);
      }
    }
    const done = sut.ingest('s', seconds(), { transport: 'upload' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pulled).toBe(1);
    unblock();
    await expect(done).resolves.toMatchObject({ windows: 20 });
  });

  it('ends the input when the signal aborts, publishing the tail', async () => {
    const { sut, mocks } = newService();
    const controller = new AbortController();
    let chunks = 0;
    async function* endless(): AsyncGenerator<Float32Array> {
      for (;;) {
        if (++chunks === 14) controller.abort(); // while the 14th second is read: 13 s went in
        yield new Float32Array(RATE);
      }
    }
    const summary = await sut.ingest('s', endless(), { transport: 'pull', signal: controller.signal });
    expect(summary).toMatchObject({ windows: 2, durationS: 13 });
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000, 3_000]);
  });

  it('stops at once on abort when the input has gone quiet', async () => {
    const { sut, mocks } = newService();
    const controller = new AbortController();
    async function* stalls(): AsyncGenerator<Float32Array> {
      yield new Float32Array(RATE * 12);
      setTimeout(() => controller.abort(), 10);
      await new Promise(() => undefined);
    }
    const summary = await sut.ingest('s', stalls(), { transport: 'pull', signal: controller.signal });
    expect(summary).toMatchObject({ windows: 2, durationS: 12 });
    expect(mocks.registry.activeCount).toBe(0);
  });

  it('counts windows, audio seconds and active streams', async () => {
    const { sut, mocks } = newService();
    await sut.ingest('s', signal(35), { transport: 'websocket' });
    const text = await mocks.metricsRegistry.metrics();
    expect(text).toContain('audio_concepts_ingest_windows_total{transport="websocket"} 4');
    expect(text).toContain('audio_concepts_ingest_audio_seconds_total{transport="websocket"} 35');
    expect(text).toContain('audio_concepts_ingest_active_streams 0');
    expect(text).toContain('audio_concepts_ingest_publish_duration_seconds_count 4');
  });

  it('rejects bad windowing settings', () => {
    const { mocks } = newService();
    expect(() => new StreamIngestService(mocks.sink, mocks.registry, mocks.metrics, { windowS: 0, hopS: 1 })).toThrow(
      'windowS must be a positive number of seconds, got 0',
    );
  });
});
