import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { AudioDecodeError, openAudio } from '@audio-concepts/ingest-audio';
import { type AudioCommand, HAS_FFMPEG, makeAudio } from '@audio-concepts/ingest-audio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePcm } from './pcm.decoder';

async function collect(chunks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `bytes` fed in pieces of `size` bytes (not aligned to samples), as WebSocket messages would be. */
function pieces(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts);
}

function ffmpegCommand(file: string, lavfi: string, output: string[]): AudioCommand {
  return { file, argv: ['ffmpeg', '-v', 'error', '-y', '-f', 'lavfi', '-i', lavfi, '-ac', '1', ...output, file] };
}

describe.skipIf(!HAS_FFMPEG)('decodePcm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcm-decoder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resamples s16le at 16 kHz to 48 kHz exactly as a file of the same samples decodes', async () => {
    // the same deterministic signal twice: as a 16 kHz WAV file and as raw s16le samples
    const source = 'sine=frequency=440:duration=3:sample_rate=16000';
    const wav = makeAudio(ffmpegCommand(join(dir, 'a.wav'), source, ['-c:a', 'pcm_s16le']));
    const raw = readFileSync(makeAudio(ffmpegCommand(join(dir, 'a.raw'), source, ['-f', 's16le'])));
    const decoded = await collect(decodePcm(pieces(raw, 1001), { format: 's16le', rate: 16_000, channels: 1 }));
    const reference = await collect(await openAudio(wav));
    expect(decoded.length).toBe(reference.length);
    expect(decoded.findIndex((x, i) => x !== reference[i])).toBe(-1);
    expect(decoded.length).toBe(3 * 48_000);
  });

  it('averages interleaved channels of float32 input', async () => {
    const frames = 48_000;
    const interleaved = new Float32Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      interleaved[2 * i] = 0.5;
      interleaved[2 * i + 1] = -0.25;
    }
    const bytes = Buffer.from(interleaved.buffer);
    const decoded = await collect(decodePcm(pieces(bytes, 777), { format: 'f32le', rate: 48_000, channels: 2 }));
    expect(decoded.length).toBe(frames);
    expect(decoded.every((x) => Math.abs(x - 0.125) < 1e-6)).toBe(true);
  });

  it('rejects non-finite float samples', async () => {
    const samples = new Float32Array(4800).fill(0.1);
    samples[1000] = Number.NaN;
    const decoding = collect(
      decodePcm(Readable.from([Buffer.from(samples.buffer)]), { format: 'f32le', rate: 48_000, channels: 1 }),
    );
    await expect(decoding).rejects.toThrow(AudioDecodeError);
    await expect(decoding).rejects.toThrow(/live PCM: sample \d+ is NaN; audio samples must be finite/);
  });

  it('stops ffmpeg when the consumer stops early, though the input never ends', async () => {
    const input = new PassThrough();
    input.write(Buffer.alloc(48_000 * 4));
    for await (const chunk of decodePcm(input, { format: 'f32le', rate: 48_000, channels: 1 })) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(input.listenerCount('error')).toBe(0);
  });

  it('says when ffmpeg is missing', async () => {
    const decoding = collect(
      decodePcm(
        Readable.from([Buffer.alloc(8)]),
        { format: 'f32le', rate: 48_000, channels: 1 },
        {
          ffmpegPath: join(dir, 'no-ffmpeg'),
          label: 'stream s',
        },
      ),
    );
    await expect(decoding).rejects.toThrow(
      `ffmpeg not found at ${join(dir, 'no-ffmpeg')}: install it (Debian: apt-get install ffmpeg) to read stream s (f32le 48000 Hz × 1)`,
    );
  });
});
