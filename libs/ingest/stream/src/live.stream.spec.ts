import { HAS_FFMPEG } from '@audio-concepts/ingest-audio/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { IdleTimeoutError, IngestInterruptedError, StreamBusyError } from './ingest.errors';
import { IngestMetrics } from './ingest.metrics';
import { LivePcmStream } from './live.stream';
import { StreamIngestService } from './stream-ingest.service';
import { StreamRegistry } from './stream.registry';
import { InMemoryWindowSink } from './testing';

function newService() {
  const sink = new InMemoryWindowSink();
  const metrics = new IngestMetrics(new Registry());
  const service = new StreamIngestService(sink, new StreamRegistry(), metrics, { windowS: 10, hopS: 10 });
  return { service, metrics, sink };
}

/** `seconds` of a 440 Hz tone as s16le at `rate`. */
function tone(seconds: number, rate: number): Buffer {
  const bytes = Buffer.alloc(seconds * rate * 2);
  for (let i = 0; i < seconds * rate; i++)
    bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 2 * i);
  return bytes;
}

describe.skipIf(!HAS_FFMPEG)('LivePcmStream', () => {
  it('publishes full windows as audio arrives and the tail at the end', async () => {
    const { service, metrics, sink } = newService();
    const acked: number[] = [];
    const sut = new LivePcmStream(
      service,
      metrics,
      'mic',
      { format: 's16le', rate: 16_000, channels: 1 },
      {
        onWindow: (seq) => acked.push(seq),
      },
    );
    const bytes = tone(12, 16_000);
    // pieces of 0.1 s (odd sizes would do too: ffmpeg reassembles samples)
    for (let i = 0; i < bytes.length; i += 3200) sut.write(bytes.subarray(i, i + 3200));
    await expect.poll(() => acked, { timeout: 10_000 }).toEqual([0]); // the first window, before the end
    sut.end();
    const summary = await sut.done;
    expect(summary).toMatchObject({ stream: 'mic', windows: 2, firstSeq: 0, lastSeq: 1 });
    expect(summary.durationS).toBeCloseTo(12, 2);
    expect(acked).toEqual([0, 1]);
    expect(() => sut.write(Buffer.alloc(2))).toThrow('audio sent after the end of live stream mic');
    expect(sink.windows.map((w) => [w.windowSeq, w.startMs, w.durationMs])).toEqual([
      [0, 0, 10_000],
      [1, 10_000, 2_000],
    ]);
  });

  it('fails when the stream id is taken, without starting a decoder', async () => {
    const { service, metrics } = newService();
    const first = new LivePcmStream(service, metrics, 'mic', { format: 'f32le', rate: 48_000, channels: 1 });
    const second = new LivePcmStream(service, metrics, 'mic', { format: 'f32le', rate: 48_000, channels: 1 });
    await expect(second.done).rejects.toBeInstanceOf(StreamBusyError);
    second.write(Buffer.alloc(1 << 20)); // written into nothing; must not grow without bound or throw
    first.write(Buffer.from(new Float32Array(48_000).fill(0.1).buffer));
    first.end();
    await expect(first.done).resolves.toMatchObject({ windows: 1 });
  });

  it('ends a stream whose client sends nothing for idleTimeoutS: full windows published, the tail not', async () => {
    const { service, metrics, sink } = newService();
    const format = { format: 's16le', rate: 16_000, channels: 1 } as const;
    const sut = new LivePcmStream(service, metrics, 'stalls', format, { idleTimeoutS: 0.5 });
    const bytes = tone(12, 16_000);
    for (let i = 0; i < bytes.length; i += 3200) sut.write(bytes.subarray(i, i + 3200));
    const error = await sut.done.then(
      () => undefined,
      (e: unknown) => e as IngestInterruptedError,
    );
    expect(error?.cause).toBeInstanceOf(IdleTimeoutError);
    expect(error?.progress).toMatchObject({ windows: 1, lastSeq: 0 });
    expect(sink.windows.map((w) => w.durationMs)).toEqual([10_000]);
    expect(() => sut.write(Buffer.alloc(2))).toThrow(IdleTimeoutError);
  });

  it('ends saying the stream is empty when nothing was sent', async () => {
    const { service, metrics } = newService();
    const sut = new LivePcmStream(service, metrics, 'quiet', { format: 's16le', rate: 8_000, channels: 1 });
    sut.end();
    await expect(sut.done).rejects.toThrow(IngestInterruptedError);
    await expect(sut.done).rejects.toThrow('live stream quiet (s16le 8000 Hz × 1) is empty: no bytes arrived');
  });
});
