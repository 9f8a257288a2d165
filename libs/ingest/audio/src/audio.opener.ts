import { InvalidInputError } from '@audio-concepts/shared-errors';
import { AudioDecodeError } from './audio-decode.error';
import { type AudioSource, resolveAudioSource } from './audio-source';
import { type AudioStream, CLAP_SAMPLE_RATE, type DecodeSettings, type OpenAudioOptions } from './audio-stream';
import { decodeWithFfmpeg, sourceLabel } from './ffmpeg.decoder';
import { ffprobePathFor, probeDurationS } from './ffprobe.duration';
import { probeWavFile, readWavSamples } from './wav.reader';

/** Opens `source` with one decoder, or returns undefined to leave it to the next one. */
type AudioDecoder = (source: AudioSource, settings: DecodeSettings) => Promise<AudioStream | undefined>;

/** Native WAV first (no process, exact samples), ffmpeg for everything else; the first that accepts wins. */
const DECODERS: readonly AudioDecoder[] = [openWav, openWithFfmpeg];

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidInputError(`openAudio: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Opens audio for decoding to mono float32 at `sampleRate` (48 kHz by default): a local file (WAV read
 * natively, anything else through ffmpeg), an http(s) or other ffmpeg URL, or stdin when `input` is `-`.
 * Files are checked now (missing, unreadable, empty, malformed WAV header); decoding starts when the result
 * is iterated, and its failures (ffmpeg missing, undecodable data, no audio) surface there. Every failure is
 * an `AudioDecodeError` with a one-line message naming the input.
 */
export async function openAudio(input: string, options: OpenAudioOptions = {}): Promise<AudioStream> {
  const sampleRate = positiveInteger('sampleRate', options.sampleRate ?? CLAP_SAMPLE_RATE);
  const settings: DecodeSettings = {
    sampleRate,
    chunkSamples: positiveInteger('chunkSamples', options.chunkSamples ?? sampleRate),
    ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
    signal: options.signal,
  };
  const source = await resolveAudioSource(input, options.stdin ?? process.stdin);
  if (source.kind === 'file' && source.sizeBytes === 0) {
    throw new AudioDecodeError(`no audio in ${input}: the file is empty`, { uri: input });
  }
  for (const decoder of DECODERS) {
    const stream = await decoder(source, settings);
    if (stream) return stream;
  }
  throw new Error(`openAudio: no decoder accepted ${input}`); // unreachable: ffmpeg accepts every source
}

async function openWav(source: AudioSource, settings: DecodeSettings): Promise<AudioStream | undefined> {
  if (source.kind !== 'file' || !Number.isFinite(source.sizeBytes)) return undefined;
  const probe = await probeWavFile(source.path, source.sizeBytes, source.uri);
  // Sample encodings we do not read (ADPCM, A-law, μ-law, …) are ffmpeg's job.
  if (probe.kind !== 'wav') return undefined;
  const { layout } = probe;
  if (layout.frames === 0) {
    throw new AudioDecodeError(`no audio in ${source.uri}: its data chunk is empty`, { uri: source.uri });
  }
  const durationS = layout.frames / layout.sampleRate;
  // Another sample rate needs resampling: ffmpeg does that (swresample) for this file, while the header still
  // gives the duration.
  if (layout.sampleRate !== settings.sampleRate) return ffmpegStream(source, settings, durationS);
  return {
    uri: source.uri,
    sampleRate: settings.sampleRate,
    durationS,
    [Symbol.asyncIterator]: () => readWavSamples(source.path, layout, settings.chunkSamples, source.uri),
  };
}

async function openWithFfmpeg(source: AudioSource, settings: DecodeSettings): Promise<AudioStream> {
  // Only a regular file can be probed first: ffprobe would read a FIFO's audio away from the decoder.
  const durationS =
    source.kind === 'file' && Number.isFinite(source.sizeBytes)
      ? await probeDurationS(source.path, ffprobePathFor(settings.ffmpegPath))
      : undefined;
  return ffmpegStream(source, settings, durationS);
}

function ffmpegStream(source: AudioSource, settings: DecodeSettings, durationS: number | undefined): AudioStream {
  let iterated = false;
  return {
    uri: source.uri,
    sampleRate: settings.sampleRate,
    durationS,
    [Symbol.asyncIterator]() {
      // A file or URL can be decoded again; stdin's bytes are gone after the first pass.
      if (source.kind === 'stdin' && iterated) {
        throw new AudioDecodeError(`${sourceLabel(source)} can be read only once`, { uri: source.uri });
      }
      iterated = true;
      return decodeWithFfmpeg(source, settings);
    },
  };
}
