import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioSource } from './audio-source';
import { decodeWithFfmpeg } from './ffmpeg.decoder';
import { AudioDecodeError, openAudio } from './index';

const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).error === undefined;
const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;

interface WavSpec {
  formatTag: number;
  channels: number;
  /** Container bits per sample. */
  bits: number;
  /** Interleaved samples, already encoded. */
  data: Buffer;
  sampleRate?: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with `formatTag` as the SubFormat. */
  extensible?: boolean;
  /** Chunks before and after the data chunk, as [id, body]. */
  before?: [string, Buffer][];
  after?: [string, Buffer][];
  /** Overrides of declared sizes, to make malformed files. */
  fmtSize?: number;
  dataSize?: number;
  blockAlign?: number;
}

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

function wavBytes(spec: WavSpec): Buffer {
  const sampleRate = spec.sampleRate ?? 48_000;
  const blockAlign = spec.blockAlign ?? (spec.channels * spec.bits) / 8;
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.formatTag, 0);
  fmt.writeUInt16LE(spec.channels, 2);
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE(sampleRate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(spec.bits, 18);
    fmt.writeUInt32LE(0, 20);
    // KSDATAFORMAT_SUBTYPE_*: {0000000X-0000-0010-8000-00aa00389b71}
    Buffer.from('000000000000100080000000aa00389b71'.slice(2), 'hex').copy(fmt, 26);
    fmt.writeUInt16LE(spec.formatTag, 24);
  }
  const body = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    chunk('fmt ', fmt, spec.fmtSize),
    ...(spec.before ?? []).map(([id, b]) => chunk(id, b)),
    chunk('data', spec.data, spec.dataSize),
    ...(spec.after ?? []).map(([id, b]) => chunk(id, b)),
  ]);
  return Buffer.concat([chunk('RIFF', Buffer.alloc(0), body.length).subarray(0, 8), body]);
}

function encode(bits: number, float: boolean, values: number[]): Buffer {
  const bytes = bits / 8;
  const out = Buffer.alloc(values.length * bytes);
  values.forEach((v, i) => {
    const at = i * bytes;
    if (float && bits === 32) out.writeFloatLE(v, at);
    else if (float) out.writeDoubleLE(v, at);
    else if (bits === 8) out.writeUInt8(v, at);
    else out.writeIntLE(v, at, bytes);
  });
  return out;
}

let dir: string;
let files = 0;
function writeWav(spec: WavSpec | Buffer): string {
  const path = join(dir, `case-${++files}.wav`);
  writeFileSync(path, Buffer.isBuffer(spec) ? spec : wavBytes(spec));
  return path;
}

async function decodeAll(path: string, chunkSamples?: number): Promise<Float32Array> {
  const out: number[] = [];
  for await (const c of await openAudio(path, { chunkSamples, ffmpegPath: '/nonexistent/ffmpeg' })) out.push(...c);
  return Float32Array.from(out);
}

async function failure(promise: Promise<unknown>): Promise<AudioDecodeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AudioDecodeError);
  expect((error as Error).message).not.toContain('\n');
  return error as AudioDecodeError;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-audio-wav-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAV read natively (no ffmpeg)', () => {
  const formats: [name: string, tag: number, bits: number, raw: number[], expected: number[]][] = [
    ['8-bit unsigned PCM', WAVE_FORMAT_PCM, 8, [0, 128, 255, 64], [-1, 0, 127 / 128, -0.5]],
    ['16-bit PCM', WAVE_FORMAT_PCM, 16, [-32768, 0, 16384, 32767], [-1, 0, 0.5, 32767 / 32768]],
    ['24-bit PCM', WAVE_FORMAT_PCM, 24, [-8388608, -1, 4194304, 8388607], [-1, -1 / 8388608, 0.5, 8388607 / 8388608]],
    ['32-bit PCM', WAVE_FORMAT_PCM, 32, [-2147483648, 0, 1073741824, -536870912], [-1, 0, 0.5, -0.25]],
    ['32-bit float', WAVE_FORMAT_IEEE_FLOAT, 32, [-1, 0, 0.5, 1.5], [-1, 0, 0.5, 1.5]],
    ['64-bit float', WAVE_FORMAT_IEEE_FLOAT, 64, [-1, 0.1, 0.5, 0.25], [-1, Math.fround(0.1), 0.5, 0.25]],
  ];

  it.each(formats)('%s', async (_name, tag, bits, raw, expected) => {
    const data = encode(bits, tag === WAVE_FORMAT_IEEE_FLOAT, raw);
    expect(Array.from(await decodeAll(writeWav({ formatTag: tag, channels: 1, bits, data })))).toEqual(
      expected.map(Math.fround),
    );
    const extensible = writeWav({ formatTag: tag, channels: 1, bits, data, extensible: true });
    expect(Array.from(await decodeAll(extensible))).toEqual(expected.map(Math.fround));
  });

  it('averages any number of channels to mono', async () => {
    // 3 channels, 2 frames: (0.5 + 0.25 − 0.75) / 3 and (1 + 1 + 1) / 3.
    const data = encode(32, true, [0.5, 0.25, -0.75, 1, 1, 1]);
    expect(
      Array.from(await decodeAll(writeWav({ formatTag: WAVE_FORMAT_IEEE_FLOAT, channels: 3, bits: 32, data }))),
    ).toEqual([0, 1]);
    const six = encode(16, false, [16384, 16384, 16384, 16384, 16384, -16384]);
    const path = writeWav({ formatTag: WAVE_FORMAT_PCM, channels: 6, bits: 16, data: six, extensible: true });
    expect(Array.from(await decodeAll(path))).toEqual([Math.fround(1 / 3)]);
  });

  it('skips other chunks (odd sizes padded) before and after the data, and reports the header duration', async () => {
    const data = encode(
      16,
      false,
      Array.from({ length: 4800 }, (_, i) => i),
    );
    const path = writeWav({
      formatTag: WAVE_FORMAT_PCM,
      channels: 1,
      bits: 16,
      data,
      before: [
        ['LIST', Buffer.alloc(13, 7)],
        ['bext', Buffer.alloc(602)],
      ],
      after: [['id3 ', Buffer.alloc(31, 1)]],
    });
    const stream = await openAudio(path, { ffmpegPath: '/nonexistent/ffmpeg' });
    expect(stream.durationS).toBe(0.1);
    expect(Array.from(await decodeAll(path))).toEqual(Array.from({ length: 4800 }, (_, i) => i / 32768));
  });

  it('streams in chunks of chunkSamples frames', async () => {
    const data = encode(16, false, new Array(2500).fill(0));
    const stream = await openAudio(writeWav({ formatTag: WAVE_FORMAT_PCM, channels: 2, bits: 16, data }), {
      chunkSamples: 500,
    });
    const sizes: number[] = [];
    for await (const c of stream) sizes.push(c.length);
    expect(sizes).toEqual([500, 500, 250]);
  });

  it('reads a data size of 0xFFFFFFFF (a WAV streamed to a pipe) up to the last whole frame', async () => {
    const data = Buffer.concat([encode(16, false, [100, 200, 300]), Buffer.alloc(1)]);
    // Drop the pad byte that an odd-sized chunk gets, so the file ends in the middle of a frame.
    const bytes = wavBytes({ formatTag: WAVE_FORMAT_PCM, channels: 1, bits: 16, data, dataSize: 0xffffffff });
    const path = writeWav(bytes.subarray(0, -1));
    expect(Array.from(await decodeAll(path))).toEqual([100, 200, 300].map((v) => Math.fround(v / 32768)));
  });

  it('rejects a NaN or Inf sample, naming its index', async () => {
    const stereo = encode(32, true, [0, 0, 0.1, 0.2, 0.3, Number.NaN]);
    const path = writeWav({ formatTag: WAVE_FORMAT_IEEE_FLOAT, channels: 2, bits: 32, data: stereo });
    expect((await failure(decodeAll(path, 2))).message).toBe(
      `${path}: sample 2 (channel 1) is NaN; float WAV samples must be finite`,
    );
    const mono = encode(64, true, [0, 0, 0, 0, Number.NEGATIVE_INFINITY]);
    const inf = writeWav({ formatTag: WAVE_FORMAT_IEEE_FLOAT, channels: 1, bits: 64, data: mono });
    expect((await failure(decodeAll(inf, 3))).message).toBe(
      `${inf}: sample 4 is -Infinity; float WAV samples must be finite`,
    );
    const huge = writeWav({
      formatTag: WAVE_FORMAT_IEEE_FLOAT,
      channels: 1,
      bits: 64,
      data: encode(64, true, [1e300]),
    });
    expect((await failure(decodeAll(huge))).message).toBe(
      `${huge}: sample 0 is out of float32 range; float WAV samples must be finite`,
    );
  });
});

describe('malformed WAV', () => {
  const pcm = encode(16, false, [1, 2, 3, 4]);
  const base: WavSpec = { formatTag: WAVE_FORMAT_PCM, channels: 1, bits: 16, data: pcm };
  const cases: [name: string, bytes: () => Buffer, problem: string][] = [
    [
      'data size beyond the end of the file',
      () => wavBytes({ ...base, dataSize: 1000 }),
      'truncated data: the data chunk declares 1000 bytes but the file holds 8',
    ],
    [
      'a file cut inside the header',
      () => wavBytes(base).subarray(0, 30),
      'fmt chunk size 16 at byte 12 runs past the end',
    ],
    ['fmt chunk too small', () => wavBytes({ ...base, fmtSize: 8 }), 'fmt chunk size 8 is too small (at least 16)'],
    [
      'a chunk size past the end of the file',
      () => wavBytes({ ...base, before: [['LIST', Buffer.alloc(4)]] }).fill(0xff, 40, 44),
      "chunk 'LIST' size 4294967295 at byte 36 runs past the end of the file",
    ],
    ['no data chunk', () => wavBytes(base).subarray(0, 36), 'no data chunk before the end of the file (36 bytes)'],
    [
      'data size not a whole number of frames',
      () => wavBytes({ ...base, channels: 2, data: encode(16, false, [1, 2, 3]) }),
      'data chunk size 6 is not a whole number of 4-byte frames',
    ],
    ['zero channels', () => wavBytes({ ...base, channels: 0, blockAlign: 2 }), 'fmt chunk declares 0 channels'],
    [
      'block align not a multiple of the channels',
      () => wavBytes({ ...base, channels: 2, blockAlign: 3 }),
      'block align 3 is not a whole number of bytes per channel for 2 channels',
    ],
    [
      'WAVE_FORMAT_EXTENSIBLE without its extension',
      () => wavBytes({ ...base, extensible: true, fmtSize: 18 }),
      'WAVE_FORMAT_EXTENSIBLE fmt chunk of 18 bytes lacks its 22-byte extension',
    ],
  ];

  it.each(cases)('%s', async (_name, bytes, problem) => {
    const path = writeWav(bytes());
    const error = await failure(openAudio(path, { ffmpegPath: '/nonexistent/ffmpeg' }));
    expect(error.message).toContain(`${path}: malformed WAV: ${problem}`);
    expect(error.uri).toBe(path);
  });

  it('an empty data chunk is "no audio"', async () => {
    const path = writeWav({ ...base, data: Buffer.alloc(0) });
    expect((await failure(openAudio(path))).message).toBe(`no audio in ${path}: its data chunk is empty`);
  });
});

describe.skipIf(!HAS_FFMPEG)('float WAV at another rate (resampled by ffmpeg)', () => {
  it('rejects a NaN there too, naming the decoded sample', async () => {
    const values = new Array(44_100).fill(0);
    values[22_050] = Number.NaN;
    const data = encode(32, true, values);
    const path = writeWav({ formatTag: WAVE_FORMAT_IEEE_FLOAT, channels: 1, bits: 32, data, sampleRate: 44_100 });
    const stream = await openAudio(path);
    const error = await failure(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    );
    expect(error.message).toMatch(new RegExp(`^${path}: decoded sample 2\\d{4} is NaN; audio samples must be finite$`));
  });
});

describe.skipIf(!HAS_FFMPEG)('native WAV decoding matches ffmpeg', () => {
  const codecs: [codec: string, channelArgs: string[]][] = [
    ['pcm_u8', []],
    ['pcm_s16le', []],
    ['pcm_s24le', []],
    ['pcm_s32le', []],
    ['pcm_f32le', []],
    ['pcm_f64le', []],
    // ffmpeg is told to average channels as the native reader does (see ffmpegArgs).
    ['pcm_s16le', ['-af', 'pan=stereo|c0=c0|c1=-0.5*c0']],
    ['pcm_f32le', ['-af', 'pan=stereo|c0=c0|c1=0.25*c0']],
  ];

  it.each(codecs)('%s %s', async (codec, channelArgs) => {
    const path = join(dir, `ffmpeg-${codec}-${channelArgs.length}.wav`);
    execFileSync('ffmpeg', [
      ...['-nostdin', '-y', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', 'sine=frequency=440:duration=0.5:sample_rate=48000', '-af', 'volume=6'],
      ...channelArgs,
      ...['-c:a', codec, path],
    ]);
    const native = await decodeAll(path, 1000);
    const source: AudioSource = { kind: 'file', uri: path, path, sizeBytes: 0 };
    const viaFfmpeg: number[] = [];
    for await (const c of decodeWithFfmpeg(source, { sampleRate: 48_000, chunkSamples: 4096, ffmpegPath: 'ffmpeg' })) {
      viaFfmpeg.push(...c);
    }
    expect(native.length).toBe(24_000);
    expect(viaFfmpeg.length).toBe(native.length);
    const worst = native.reduce((m, v, i) => Math.max(m, Math.abs(v - viaFfmpeg[i])), 0);
    expect(worst).toBeLessThan(1e-6);
  });
});
