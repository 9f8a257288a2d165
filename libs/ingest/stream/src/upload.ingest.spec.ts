import { pcmOf } from '@audio-concepts/shared-contracts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AudioDecodeError, openAudio, windowAudio } from '@audio-concepts/ingest-audio';
import { HAS_FFMPEG, lavfiCommand, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { Registry } from 'prom-client';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioLimitError, IdleTimeoutError, IngestInterruptedError, PayloadTooLargeError } from './ingest.errors';
import { IngestMetrics } from './ingest.metrics';
import { StreamIngestService } from './stream-ingest.service';
import { StreamRegistry } from './stream.registry';
import { InMemoryWindowSink } from './testing';
import { UploadIngest, type UploadLimits } from './upload.ingest';

function newUpload(maxBytes = 64 * 1024 * 1024, limits: Omit<UploadLimits, 'maxBytes'> = {}) {
  const sink = new InMemoryWindowSink();
  const registry = new Registry();
  const metrics = new IngestMetrics(registry);
  const service = new StreamIngestService(sink, new StreamRegistry(), metrics, { windowS: 10, hopS: 10 });
  return { sut: new UploadIngest(service, metrics, { maxBytes, ...limits }), mocks: { sink, registry } };
}

/** The body as a client streams it: pieces of 64 KiB. */
const body = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)),
  );

async function caught(promise: Promise<unknown>): Promise<IngestInterruptedError> {
  try {
    await promise;
  } catch (error) {
    return error as IngestInterruptedError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!HAS_FFMPEG)('UploadIngest', () => {
  let dir: string;
  let wav: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'upload-ingest-'));
    wav = makeAudio(lavfiCommand(join(dir, 'a.wav'), 'sine=frequency=330', 25));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes a WAV body as it streams in; the windows equal windowAudio of the file', async () => {
    const { sut, mocks } = newUpload();
    const bytes = readFileSync(wav);
    let accepted = 0;
    const summary = await sut.ingest('s', body(bytes), { contentLength: bytes.length, onAccepted: () => accepted++ });
    expect(accepted).toBe(1);
    expect(summary).toEqual({ stream: 's', windows: 3, firstSeq: 0, lastSeq: 2, durationS: 25 });
    const expected: { samples: Float32Array }[] = [];
    for await (const w of windowAudio(await openAudio(wav), { sampleRate: 48_000, windowS: 10 })) expected.push(w);
    expect(mocks.sink.windows.map((w) => pcmOf(w).length)).toEqual(expected.map((w) => w.samples.length));
    mocks.sink.windows.forEach((w, i) => expect(pcmOf(w).findIndex((x, k) => x !== expected[i].samples[k])).toBe(-1));
    expect(await mocks.registry.metrics()).toContain(
      `audio_concepts_ingest_upload_bytes_total{transport="upload"} ${bytes.length}`,
    );
  });

  it('publishes a cut-off WAV as it is and says it was truncated', async () => {
    const { sut, mocks } = newUpload();
    const bytes = readFileSync(wav);
    const cut = bytes.subarray(0, bytes.indexOf('data') + 8 + 960); // 0.01 s of the declared 25 s
    const summary = await sut.ingest('s', body(cut));
    expect(summary).toEqual({
      stream: 's',
      windows: 1,
      firstSeq: 0,
      lastSeq: 0,
      durationS: 0.01,
      truncated: true,
      warning:
        'the request body is a truncated WAV: its header declares 2400000 bytes of samples (25 s) but it holds 960 (0.01 s); the audio it holds was used',
    });
    expect(mocks.sink.windows).toHaveLength(1);
  });

  it('decodes compressed formats through ffmpeg', async () => {
    const { sut } = newUpload();
    const ogg = makeAudio(lavfiCommand(join(dir, 'a.ogg'), 'sine=frequency=330', 12));
    const summary = await sut.ingest('s', body(readFileSync(ogg)));
    expect(summary).toMatchObject({ windows: 2, firstSeq: 0, lastSeq: 1 });
    expect(summary.durationS).toBeCloseTo(12, 1);
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const { sut, mocks } = newUpload(1000);
    let read = false;
    const untouched = new Readable({ read: () => void (read = true) });
    const error = await caught(sut.ingest('s', untouched, { contentLength: 1001 }));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toBe('the upload is larger than the limit of 1000 bytes (got 1001 bytes or more)');
    expect(read).toBe(false);
    expect(mocks.sink.windows).toEqual([]);
  });

  it('stops a chunked body at the limit with PayloadTooLargeError', async () => {
    const { sut } = newUpload(100_000);
    const error = await caught(sut.ingest('s', body(readFileSync(wav))));
    expect(error).toBeInstanceOf(IngestInterruptedError);
    expect(error.cause).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toMatch(/^the upload is larger than the limit of 100000 bytes \(got \d+ bytes or more\)$/);
    expect(error.progress).toEqual({ stream: 's', windows: 0, firstSeq: null, lastSeq: null });
  });

  it('stops at a limit smaller than the pipes’ buffers, before the decoder has started', async () => {
    const { sut, mocks } = newUpload(1000);
    const error = await caught(sut.ingest('s', body(readFileSync(wav))));
    expect(error.cause).toBeInstanceOf(PayloadTooLargeError);
    expect(mocks.sink.windows).toEqual([]);
  });

  it('publishes the full windows before the limit, never the cut-off tail', async () => {
    const { sut, mocks } = newUpload(1_500_000); // 25 s of 16-bit audio is 2.4 MB: the limit falls at about 15.6 s
    const error = await caught(sut.ingest('s', body(readFileSync(wav))));
    expect(error.cause).toBeInstanceOf(PayloadTooLargeError);
    expect(error.progress).toMatchObject({ windows: 1, lastSeq: 0 });
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000]);
  });

  it('ends an upload that decodes to more audio than maxDurationS, after the windows within the limit', async () => {
    const { sut, mocks } = newUpload(undefined, { maxDurationS: 20 });
    const error = await caught(sut.ingest('s', body(readFileSync(wav)))); // 25 s
    expect(error.cause).toBeInstanceOf(AudioLimitError);
    expect(error.message).toBe(
      'the upload decodes to more than the limit of 20 s of audio per upload (split longer recordings into several uploads to the same stream)',
    );
    expect(error.progress).toEqual({ stream: 's', windows: 2, firstSeq: 0, lastSeq: 1 });
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000, 10_000]);
  });

  it('ends an upload whose client stalls after idleTimeoutS, with the windows so far, and frees the stream', async () => {
    const { sut, mocks } = newUpload(undefined, { idleTimeoutS: 0.3 });
    const bytes = readFileSync(wav);
    let stalled = () => undefined as void;
    async function* stalls(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, 1_200_000); // 12.5 s
      await new Promise<void>((resolve) => (stalled = resolve));
    }
    const error = await caught(sut.ingest('s', Readable.from(stalls())));
    stalled();
    expect(error.cause).toBeInstanceOf(IdleTimeoutError);
    expect(error.message).toBe('no audio received for 0.3 s: the feed is ended (send audio without pauses that long)');
    expect(error.progress).toMatchObject({ windows: 1, lastSeq: 0 });
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000]);
    await expect(sut.ingest('s', body(bytes))).resolves.toMatchObject({ firstSeq: 1 });
  });

  it('treats a body that breaks off as a bad request, without publishing its tail', async () => {
    const { sut, mocks } = newUpload();
    const bytes = readFileSync(wav);
    async function* breaksOff(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, 1_200_000);
      throw new Error('aborted');
    }
    const error = await caught(sut.ingest('s', Readable.from(breaksOff())));
    expect(error.cause).toBeInstanceOf(InvalidInputError);
    expect(error.message).toBe('the upload broke off: aborted');
    expect(mocks.sink.windows.map((w) => w.durationMs)).toEqual([10_000]);
  });

  it('names the request body when it is not audio', async () => {
    const { sut } = newUpload();
    const error = await caught(sut.ingest('s', body(Buffer.from('this is not audio, just some text'.repeat(100)))));
    expect(error.cause).toBeInstanceOf(AudioDecodeError);
    expect(error.message).toMatch(/^the request body: ffmpeg failed \(exit code 1\): .+/);
    const empty = await caught(sut.ingest('t', body(Buffer.alloc(0))));
    expect(empty.message).toBe('the request body is empty: no bytes arrived');
  });
});
