import { type ChildProcess, spawn } from 'node:child_process';
import { endianness } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { AudioDecodeError } from './audio-decode.error';
import type { AudioSource } from './audio-source';
import type { DecodeSettings } from './audio-stream';
import { describeFfmpegFailure, exitFailure, spawnFailure } from './ffmpeg.failure';
import { StderrTail } from './stderr.tail';

/** Bytes per sample of ffmpeg's `f32le` output. */
const F32_BYTES = 4;

/** Options that keep an HTTP(S) input (an Icecast stream, a slow server) going across dropped connections;
 * `-rw_timeout` (µs) ends a connection that stays silent, so a dead server cannot hang the decode forever. */
const HTTP_INPUT_OPTIONS = [
  '-reconnect',
  '1',
  '-reconnect_streamed',
  '1',
  '-reconnect_delay_max',
  '5',
  '-rw_timeout',
  '30000000',
];

/** The `-i` argument (and options before it) for each kind of source. A path is prefixed with `file:` so that
 * ffmpeg never reads a name like `a:b.mp3` or `-x.wav` as a protocol or an option. */
const INPUT_ARGS: { [K in AudioSource['kind']]: (source: Extract<AudioSource, { kind: K }>) => string[] } = {
  file: (source) => ['-i', `file:${source.path}`],
  url: (source) => [...(/^https?:/i.test(source.url) ? HTTP_INPUT_OPTIONS : []), '-i', source.url],
  stdin: () => ['-i', 'pipe:0'],
};

function inputArgs(source: AudioSource): string[] {
  return (INPUT_ARGS[source.kind] as (s: AudioSource) => string[])(source);
}

/** The full ffmpeg command line: decode the default audio stream to mono float32 at `sampleRate` on stdout. */
export function ffmpegArgs(source: AudioSource, sampleRate: number): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    ...inputArgs(source),
    '-vn',
    '-ac',
    '1',
    // ffmpeg's own downmix sums stereo as (L + R)/√2 (louder than either channel); capping the mixing matrix's
    // row sums at 1 makes it the plain average (L + R)/2 that the native WAV reader computes, so one recording
    // gives the same levels whatever its container.
    '-rematrix_maxval',
    '1',
    '-ar',
    String(sampleRate),
    '-f',
    'f32le',
    'pipe:1',
  ];
}

/** How a source is named in messages: its uri, or "stdin" for `-`. */
export function sourceLabel(source: AudioSource): string {
  return source.kind === 'stdin' ? 'stdin' : source.uri;
}

function waitForSpawn(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
}

/**
 * Decodes `source` with an ffmpeg child process and yields mono float32 chunks of `chunkSamples` samples
 * (the last one shorter). stdout is read by async iteration, so ffmpeg blocks on a full pipe while the
 * consumer is busy: memory stays at about one chunk plus the pipe buffers, however long the input. If the
 * consumer stops early the child is killed and reaped before the generator returns.
 */
export async function* decodeWithFfmpeg(source: AudioSource, settings: DecodeSettings): AsyncGenerator<Float32Array> {
  // We copy ffmpeg's little-endian bytes straight into Float32Array storage, which is host-endian.
  if (endianness() !== 'LE') throw new Error('decodeWithFfmpeg needs a little-endian host');
  const label = sourceLabel(source);
  const args = ffmpegArgs(source, settings.sampleRate);
  const child = spawn(settings.ffmpegPath, args, {
    stdio: [source.kind === 'stdin' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const stderr = new StderrTail();
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  try {
    await waitForSpawn(child);
  } catch (error) {
    await closed;
    throw describeFfmpegFailure(spawnFailure(error, settings.ffmpegPath), source.uri, label, error);
  }
  child.on('error', () => undefined); // a failed kill(); the exit status is what we report

  const stdin = source.kind === 'stdin' ? pipeInto(source.stream, child.stdin as Writable) : undefined;
  let reaped = false;
  try {
    const chunkBytes = settings.chunkSamples * F32_BYTES;
    let pending = new Uint8Array(chunkBytes);
    let filled = 0;
    let total = 0;
    for await (const data of child.stdout as Readable) {
      const bytes = data as Buffer;
      // A read may end in the middle of a float: bytes are copied into the chunk as they come, and a chunk
      // is handed out only when whole, so a split float is completed by the next read.
      for (let offset = 0; offset < bytes.length;) {
        const n = Math.min(chunkBytes - filled, bytes.length - offset);
        pending.set(bytes.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === chunkBytes) {
          yield finite(new Float32Array(pending.buffer), total, source.uri, label);
          total += settings.chunkSamples;
          pending = new Uint8Array(chunkBytes);
          filled = 0;
        }
      }
    }
    const { code, signal } = await closed;
    reaped = true;
    if (stdin?.error) {
      throw new AudioDecodeError(`stdin: reading failed: ${stdin.error.message}`, {
        uri: source.uri,
        cause: stdin.error,
      });
    }
    const failure = exitFailure(code, signal, stderr.lastLine(args[args.indexOf('-i') + 1]));
    if (failure) throw describeFfmpegFailure(failure, source.uri, label);
    const tailSamples = Math.floor(filled / F32_BYTES);
    if (tailSamples > 0) {
      yield finite(new Float32Array(pending.buffer.slice(0, tailSamples * F32_BYTES)), total, source.uri, label);
      total += tailSamples;
    }
    if (total === 0) throw describeFfmpegFailure({ kind: 'no-audio' }, source.uri, label);
  } finally {
    stdin?.release();
    if (!reaped) {
      child.kill('SIGKILL');
      await closed;
    }
  }
}

/**
 * Returns `chunk` (whose first sample is sample `start` of the stream) if every sample is finite. ffmpeg's
 * codecs never produce NaN or ±Inf, but a float WAV or raw float input can carry them, and ffmpeg passes
 * them on (the resampler spreads each one over its neighbours).
 */
function finite(chunk: Float32Array, start: number, uri: string, label: string): Float32Array {
  const i = chunk.findIndex((x) => !Number.isFinite(x));
  if (i >= 0) {
    throw new AudioDecodeError(`${label}: decoded sample ${start + i} is ${chunk[i]}; audio samples must be finite`, {
      uri,
    });
  }
  return chunk;
}

/**
 * Feeds a caller's stream to ffmpeg's stdin; `release` detaches it again without closing the caller's stream.
 * Write errors (EPIPE once ffmpeg has exited) are ignored: ffmpeg's exit status says what went wrong. A read
 * error of the caller's stream ends ffmpeg's input and is kept in `error`, to be reported after ffmpeg exits.
 */
function pipeInto(from: NodeJS.ReadableStream, to: Writable): { error?: Error; release(): void } {
  const fed: { error?: Error; release(): void } = {
    release() {
      from.off('error', onError);
      from.unpipe(to);
      to.destroy();
    },
  };
  const onError = (error: Error) => {
    fed.error = error;
    to.end();
  };
  to.on('error', () => undefined);
  from.on('error', onError);
  from.pipe(to);
  return fed;
}
