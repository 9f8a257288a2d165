import { endianness } from 'node:os';
import { AudioDecodeError } from './audio-decode.error';
import type { AudioSource } from './audio-source';
import type { DecodeSettings } from './audio-stream';
import { describeFfmpegFailure } from './ffmpeg.failure';
import { decodeArgs, runFfmpeg } from './ffmpeg.process';

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
  return decodeArgs(inputArgs(source), sampleRate);
}

/** How a source is named in messages: its uri, or "stdin" for `-`. */
export function sourceLabel(source: AudioSource): string {
  return source.kind === 'stdin' ? 'stdin' : source.uri;
}

/**
 * Decodes `source` with ffmpeg (`runFfmpeg`) and yields mono float32 chunks of `chunkSamples` samples (the
 * last one shorter). ffmpeg blocks while the consumer is busy, so memory stays at about one chunk plus the
 * pipe buffers, however long the input; stopping early kills ffmpeg.
 */
export async function* decodeWithFfmpeg(source: AudioSource, settings: DecodeSettings): AsyncGenerator<Float32Array> {
  // We copy ffmpeg's little-endian bytes straight into Float32Array storage, which is host-endian.
  if (endianness() !== 'LE') throw new Error('decodeWithFfmpeg needs a little-endian host');
  const label = sourceLabel(source);
  const stdout = runFfmpeg({
    ffmpegPath: settings.ffmpegPath,
    args: ffmpegArgs(source, settings.sampleRate),
    input: source.kind === 'stdin' ? source.stream : undefined,
    uri: source.uri,
    label,
    signal: settings.signal,
  });
  const chunkBytes = settings.chunkSamples * F32_BYTES;
  let pending = new Uint8Array(chunkBytes);
  let filled = 0;
  let total = 0;
  for await (const bytes of stdout) {
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
  const tailSamples = Math.floor(filled / F32_BYTES);
  if (tailSamples > 0) {
    yield finite(new Float32Array(pending.buffer.slice(0, tailSamples * F32_BYTES)), total, source.uri, label);
    total += tailSamples;
  }
  if (total === 0) throw describeFfmpegFailure({ kind: 'no-audio' }, source.uri, label);
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
