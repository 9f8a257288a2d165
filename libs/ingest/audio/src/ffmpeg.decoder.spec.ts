import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioSource } from './audio-source';
import { decodeWithFfmpeg, ffmpegArgs } from './ffmpeg.decoder';

const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).error === undefined;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-audio-ffmpeg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(chunks: AsyncIterable<Float32Array>): Promise<{ samples: number[]; sizes: number[] }> {
  const samples: number[] = [];
  const sizes: number[] = [];
  for await (const c of chunks) {
    sizes.push(c.length);
    samples.push(...c);
  }
  return { samples, sizes };
}

describe('ffmpegArgs', () => {
  const tail = ['-vn', '-ac', '1', '-rematrix_maxval', '1', '-ar', '48000', '-f', 'f32le', 'pipe:1'];
  const head = ['-nostdin', '-hide_banner', '-loglevel', 'error'];

  it('reads a file through the file: protocol, so odd names are never options or protocols', () => {
    const source: AudioSource = { kind: 'file', uri: '-a:b.mp3', path: '-a:b.mp3', sizeBytes: 1 };
    expect(ffmpegArgs(source, 48_000)).toEqual([...head, '-i', 'file:-a:b.mp3', ...tail]);
  });

  it('reconnects http inputs, and reads stdin from pipe:0', () => {
    const http: AudioSource = { kind: 'url', uri: 'https://radio/x', url: 'https://radio/x' };
    const args = ffmpegArgs(http, 48_000);
    expect(args.slice(args.indexOf('-reconnect'), args.indexOf('-i') + 2)).toEqual([
      ...['-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_delay_max', '5', '-rw_timeout', '30000000'],
      ...['-i', 'https://radio/x'],
    ]);
    const rtmp: AudioSource = { kind: 'url', uri: 'rtmp://h/x', url: 'rtmp://h/x' };
    expect(ffmpegArgs(rtmp, 16_000)).toEqual([
      ...head,
      '-i',
      'rtmp://h/x',
      ...tail.slice(0, 6),
      '16000',
      ...tail.slice(7),
    ]);
    const stdin: AudioSource = { kind: 'stdin', uri: '-', stream: Readable.from([]) };
    expect(ffmpegArgs(stdin, 48_000)).toEqual([...head, '-i', 'pipe:0', ...tail]);
  });
});

describe.skipIf(!HAS_FFMPEG)('decodeWithFfmpeg', () => {
  it('reassembles floats split across reads of stdout', async () => {
    const path = join(dir, 'tone.flac');
    execFileSync('ffmpeg', [
      ...['-nostdin', '-y', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', 'sine=frequency=1000:duration=1:sample_rate=48000', '-c:a', 'flac', path],
    ]);
    // A stand-in ffmpeg that passes the real one's output on in 4093-byte writes a millisecond apart, so each
    // read of its stdout ends in the middle of a float.
    const rechunk = join(dir, 'rechunk.cjs');
    writeFileSync(
      rechunk,
      `const fs = require('fs');
const bytes = fs.readFileSync(0);
(async () => {
  for (let i = 0; i < bytes.length; i += 4093) {
    fs.writeSync(1, bytes.subarray(i, i + 4093));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
})();
`,
    );
    const splitter = join(dir, 'ffmpeg-split');
    writeFileSync(splitter, `#!/bin/sh\nffmpeg "$@" | '${process.execPath}' '${rechunk}'\n`, { mode: 0o755 });
    const source: AudioSource = { kind: 'file', uri: path, path, sizeBytes: 1 };
    const settings = { sampleRate: 48_000, chunkSamples: 10_000 };
    const reference = await collect(decodeWithFfmpeg(source, { ...settings, ffmpegPath: 'ffmpeg' }));
    const split = await collect(decodeWithFfmpeg(source, { ...settings, ffmpegPath: splitter }));
    expect(reference.sizes).toEqual([10_000, 10_000, 10_000, 10_000, 8000]);
    expect(split.sizes).toEqual(reference.sizes);
    expect(split.samples).toEqual(reference.samples);
  });
});
