import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioDecodeError, CLAP_SAMPLE_RATE, type AudioStream, openAudio } from './index';
import { wavHeader16 } from './testing';

const RATE = CLAP_SAMPLE_RATE;
const TONE_HZ = 1000;
const DURATION_S = 3;
/** lavfi's `sine` source plays at 1/8 of full scale; its RMS is that over √2. */
const TONE_RMS = 1 / 8 / Math.SQRT2;
/** Codec padding and priming (mp3, AAC, Opus) may add or drop a few frames: 25 ms. */
const PADDING_SAMPLES = 1200;

const hasTool = (tool: string) => spawnSync(tool, ['--version']).error === undefined;
const HAS_FFMPEG = hasTool('ffmpeg');
const HAS_SOX = hasTool('sox');

let dir: string;
const at = (name: string) => join(dir, name);

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-y', '-loglevel', 'error', ...args]);
}

/** A 3 s 1 kHz sine at 48 kHz, through `codecArgs`, into `name`. */
function makeTone(name: string, ...codecArgs: string[]): string {
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${TONE_HZ}:duration=${DURATION_S}:sample_rate=48000`,
    ...codecArgs,
    at(name),
  );
  return at(name);
}

async function collect(stream: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const chunks: Float32Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Share of the signal's energy at `hz` over one second from 0.5 s on (a whole number of cycles): the squared
 * magnitude of that DFT bin (Goertzel) against the total. 1 for a pure tone at `hz`, ~0 for any other tone.
 */
function toneShare(samples: Float32Array, hz: number, rate = RATE): number {
  const segment = samples.subarray(rate / 2, rate / 2 + rate);
  let re = 0;
  let im = 0;
  let energy = 0;
  for (let i = 0; i < segment.length; i++) {
    const phase = (2 * Math.PI * hz * i) / rate;
    re += segment[i] * Math.cos(phase);
    im -= segment[i] * Math.sin(phase);
    energy += segment[i] * segment[i];
  }
  return (2 * (re * re + im * im)) / segment.length / energy;
}

function rms(samples: Float32Array): number {
  return Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
}

/** Checks that `samples` is the 3 s 1 kHz test tone at 48 kHz, not just some audio. */
function expectTone(samples: Float32Array, rmsExpected = TONE_RMS): void {
  expect(Math.abs(samples.length - DURATION_S * RATE)).toBeLessThanOrEqual(PADDING_SAMPLES);
  expect(toneShare(samples, TONE_HZ)).toBeGreaterThan(0.95);
  expect(toneShare(samples, 1500)).toBeLessThan(0.01);
  expect(toneShare(samples, 440)).toBeLessThan(0.01);
  expect(rms(samples.subarray(RATE / 2, RATE * 2.5))).toBeCloseTo(rmsExpected, 2);
}

async function decodeError(promise: Promise<unknown>): Promise<AudioDecodeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AudioDecodeError);
  const decodeError = error as AudioDecodeError;
  expect(decodeError.message).not.toContain('\n');
  return decodeError;
}

/** Opens and decodes to the end; rejects with whatever either step throws. */
async function decode(input: string, options?: Parameters<typeof openAudio>[1]): Promise<Float32Array> {
  return collect(await openAudio(input, options));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-audio-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAS_FFMPEG)('openAudio decodes every format to the 48 kHz mono tone', () => {
  const cases: [name: string, make: () => string, native: boolean][] = [
    ['16-bit WAV', () => makeTone('s16.wav', '-c:a', 'pcm_s16le'), true],
    ['24-bit WAV', () => makeTone('s24.wav', '-c:a', 'pcm_s24le'), true],
    ['float32 WAV', () => makeTone('f32.wav', '-c:a', 'pcm_f32le'), true],
    ['stereo WAV', () => makeTone('stereo.wav', '-af', 'pan=stereo|c0=c0|c1=c0', '-c:a', 'pcm_s16le'), true],
    ['A-law WAV (not read natively)', () => makeTone('alaw.wav', '-c:a', 'pcm_alaw'), false],
    ['mp3', () => makeTone('tone.mp3', '-c:a', 'libmp3lame'), false],
    ['flac', () => makeTone('tone.flac', '-c:a', 'flac'), false],
    ['ogg/vorbis', () => makeTone('tone.ogg', '-c:a', 'libvorbis'), false],
    ['opus', () => makeTone('tone.opus', '-c:a', 'libopus'), false],
    ['m4a/aac', () => makeTone('tone.m4a', '-c:a', 'aac'), false],
  ];

  it.each(cases)('%s', async (_name, make, native) => {
    const path = make();
    const stream = await openAudio(path);
    expect(stream.uri).toBe(path);
    expect(stream.sampleRate).toBe(RATE);
    if (native) expect(stream.durationS).toBe(DURATION_S);
    else expect(stream.durationS).toBeCloseTo(DURATION_S, 1);
    const samples = await collect(stream);
    expectTone(samples);
    if (native) expect(samples.length).toBe(DURATION_S * RATE);
  });

  it('resamples a 44.1 kHz WAV (made with sox) through ffmpeg, keeping the header duration', async () => {
    const path = at('tone44k.wav');
    if (HAS_SOX) {
      execFileSync('sox', ['-n', '-r', '44100', '-b', '16', path, 'synth', '3', 'sine', '1000', 'vol', '0.125']);
    } else {
      ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=1000:duration=3:sample_rate=44100', '-c:a', 'pcm_s16le', path);
    }
    const stream = await openAudio(path);
    expect(stream.durationS).toBe(DURATION_S);
    const samples = await collect(stream);
    expect(samples.length).toBe(DURATION_S * RATE);
    expect(toneShare(samples, TONE_HZ)).toBeGreaterThan(0.99);
    expect(rms(samples.subarray(RATE / 2, RATE * 2.5))).toBeCloseTo(HAS_SOX ? 0.125 / Math.SQRT2 : TONE_RMS, 2);
  });

  it('decodes at another sample rate and in chunks of the requested size', async () => {
    const path = makeTone('tone16k.flac', '-c:a', 'flac');
    const stream = await openAudio(path, { sampleRate: 16_000, chunkSamples: 1000 });
    const sizes: number[] = [];
    for await (const chunk of stream) sizes.push(chunk.length);
    expect(sizes.length).toBe(48);
    expect(sizes.every((n) => n === 1000)).toBe(true);
  });

  it('reads stdin (`-`) from the given stream, once', async () => {
    const bytes = readFileSync(makeTone('stdin.flac', '-c:a', 'flac'));
    const pieces = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
      bytes.subarray(i * 4096, (i + 1) * 4096),
    );
    const stream = await openAudio('-', { stdin: Readable.from(pieces) });
    expect(stream.uri).toBe('-');
    expect(stream.durationS).toBeUndefined();
    expectTone(await collect(stream));
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/stdin can be read only once/);
  });

  it('reports a stdin stream that fails', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('device gone'));
      },
    });
    const error = await decodeError(decode('-', { stdin: failing }));
    expect(error.message).toMatch(/^stdin: /);
  });

  it('re-decodes a file on each iteration', async () => {
    const stream = await openAudio(makeTone('again.flac', '-c:a', 'flac'));
    expect((await collect(stream)).length).toBe((await collect(stream)).length);
  });
});

describe.skipIf(!HAS_FFMPEG)('openAudio over http', () => {
  let server: Server;
  let base: string;
  let mp3: Buffer;

  beforeAll(async () => {
    mp3 = readFileSync(makeTone('http.mp3', '-c:a', 'libmp3lame'));
    server = createServer((request, response) => {
      if (request.url === '/tone.mp3') {
        response.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': mp3.length });
        response.end(mp3);
      } else if (request.url === '/live') {
        // Icecast-like: chunked, no length, never ends (until the client goes away).
        response.writeHead(200, { 'content-type': 'audio/mpeg' });
        const timer = setInterval(() => response.write(mp3), 20);
        response.on('close', () => clearInterval(timer));
      } else {
        response.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('decodes an http URL, without a duration up front', async () => {
    const stream = await openAudio(`${base}/tone.mp3`);
    expect(stream.durationS).toBeUndefined();
    expectTone(await collect(stream));
  });

  it('names the URL and ffmpeg exit code on a 404', async () => {
    const url = `${base}/missing.mp3`;
    const error = await decodeError(decode(url));
    expect(error.uri).toBe(url);
    expect(error.ffmpegExitCode).toBe(1);
    expect(error.message).toContain(url);
    expect(error.message).toMatch(/404/);
  });

  it('kills ffmpeg when the consumer stops reading an endless stream', async () => {
    const { ffmpegPath, pids } = pidRecordingFfmpeg();
    const stream = await openAudio(`${base}/live`, { ffmpegPath });
    let chunks = 0;
    for await (const chunk of stream) {
      expect(chunk.length).toBe(RATE);
      expect(isAlive(pids()[0])).toBe(true);
      if (++chunks === 3) break;
    }
    expect(pids()).toHaveLength(1);
    expect(isAlive(pids()[0])).toBe(false);
  });
});

/** A wrapper at `<dir>/bin-N/ffmpeg` that records its pid and `exec`s the real ffmpeg (same pid). */
let wrappers = 0;
function pidRecordingFfmpeg(): { ffmpegPath: string; pids: () => number[] } {
  const binDir = at(`bin-${++wrappers}`);
  const pidFile = join(binDir, 'pids');
  execFileSync('mkdir', ['-p', binDir]);
  const ffmpegPath = join(binDir, 'ffmpeg');
  writeFileSync(ffmpegPath, `#!/bin/sh\necho $$ >> '${pidFile}'\nexec ffmpeg "$@"\n`, { mode: 0o755 });
  return { ffmpegPath, pids: () => readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) };
}

describe.skipIf(!HAS_FFMPEG)('openAudio stops ffmpeg early', () => {
  it('kills and reaps the ffmpeg child when the consumer breaks', async () => {
    const path = at('long.flac');
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=1000:duration=120:sample_rate=48000', '-c:a', 'flac', path);
    const { ffmpegPath, pids } = pidRecordingFfmpeg();
    const stream: AudioStream = await openAudio(path, { ffmpegPath });
    for await (const chunk of stream) {
      expect(chunk.length).toBe(RATE);
      expect(isAlive(pids()[0])).toBe(true);
      break;
    }
    expect(pids()).toHaveLength(1);
    expect(isAlive(pids()[0])).toBe(false);
    expect(existsSync(`/proc/${pids()[0]}`)).toBe(false);
  });
});

describe('openAudio errors name the input in one line', () => {
  it('a missing file, before any decoder runs', async () => {
    const path = at('nope.mp3');
    const error = await decodeError(openAudio(path, { ffmpegPath: '/nonexistent/ffmpeg' }));
    expect(error.message).toBe(`${path}: no such file`);
    expect(error.uri).toBe(path);
  });

  it('a directory', async () => {
    const error = await decodeError(openAudio(dir));
    expect(error.message).toBe(`${dir}: is a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file (root can read anything)', async () => {
    const path = at('locked.wav');
    writeFileSync(path, 'x');
    chmodSync(path, 0o000);
    expect((await decodeError(openAudio(path))).message).toBe(`${path}: permission denied`);
  });

  it('an empty file', async () => {
    const path = at('empty.mp3');
    writeFileSync(path, '');
    expect((await decodeError(openAudio(path))).message).toBe(`no audio in ${path}: the file is empty`);
  });

  it('a truncated WAV (the header declares more data than there is)', async () => {
    const path = at('truncated.wav');
    const header = wavHeader16(48_000, 1, 96_000);
    writeFileSync(path, Buffer.concat([header, Buffer.alloc(1000)]));
    const error = await decodeError(openAudio(path));
    expect(error.message).toBe(
      `${path}: malformed WAV: truncated data: the data chunk declares 96000 bytes but the file holds 1000`,
    );
  });

  it('ffmpeg missing', async () => {
    const path = at('any.mp3');
    writeFileSync(path, Buffer.alloc(100, 1));
    const error = await decodeError(decode(path, { ffmpegPath: '/nonexistent/ffmpeg' }));
    expect(error.message).toBe(
      `ffmpeg not found at /nonexistent/ffmpeg: install it (Debian: apt-get install ffmpeg) to read ${path}`,
    );
    expect(error.ffmpegExitCode).toBeUndefined();
  });

  it('a 48 kHz WAV needs no ffmpeg at all', async () => {
    const path = at('plain.wav');
    const pcm = Buffer.alloc(48_000 * 2);
    const header = Buffer.alloc(44);
    header.write('RIFF', 0);
    header.writeUInt32LE(36 + pcm.length, 4);
    header.write('WAVEfmt ', 8);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(48_000, 24);
    header.writeUInt32LE(96_000, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36);
    header.writeUInt32LE(pcm.length, 40);
    writeFileSync(path, Buffer.concat([header, pcm]));
    expect((await decode(path, { ffmpegPath: '/nonexistent/ffmpeg' })).length).toBe(48_000);
  });

  it('rejects bad options', async () => {
    await expect(openAudio('-', { sampleRate: 0 })).rejects.toThrow(/sampleRate must be a positive integer, got 0/);
    await expect(openAudio('-', { chunkSamples: 1.5 })).rejects.toThrow(/chunkSamples must be a positive integer/);
  });

  describe.skipIf(!HAS_FFMPEG)('from ffmpeg', () => {
    it('a corrupt file (random bytes named .mp3)', async () => {
      const path = at('corrupt.mp3');
      let seed = 12345;
      const bytes = Buffer.alloc(8000, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
      writeFileSync(path, bytes);
      const error = await decodeError(decode(path));
      expect(error.message).toMatch(new RegExp(`^${path}: ffmpeg failed \\(exit code 1\\): .+`));
      expect(error.ffmpegExitCode).toBe(1);
      expect(error.uri).toBe(path);
    });

    it('a text file named .wav (not RIFF, so ffmpeg probes it and gives up)', async () => {
      const path = at('notes.wav');
      writeFileSync(path, 'these are not the samples you are looking for\n'.repeat(20));
      const error = await decodeError(decode(path));
      expect(error.message).toBe(`${path}: ffmpeg failed (exit code 1): Invalid data found when processing input`);
    });

    it('a .txt file (ffmpeg reads it as ANSI art: a video stream, no audio)', async () => {
      const path = at('notes.txt');
      writeFileSync(path, 'these are not the samples you are looking for\n'.repeat(20));
      expect((await decodeError(decode(path))).message).toBe(`no audio in ${path}`);
    });

    it('an image (a stream ffmpeg reads, but no audio in it)', async () => {
      const path = at('picture.png');
      ffmpeg('-f', 'lavfi', '-i', 'color=c=red:s=8x8:d=1', '-frames:v', '1', path);
      const error = await decodeError(decode(path));
      expect(error.message).toBe(`no audio in ${path}`);
      expect(error.ffmpegExitCode).toBe(1);
    });

    it('a file whose audio stream is empty', async () => {
      // ffmpeg decodes this FLAC happily (exit 0) and writes no sample at all.
      const path = at('nothing.flac');
      ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '0', '-c:a', 'flac', path);
      const error = await decodeError(decode(path));
      expect(error.message).toBe(`no audio in ${path}`);
      expect(error.ffmpegExitCode).toBeUndefined();
    });
  });
});
