import { endianness } from 'node:os';
import type { Readable } from 'node:stream';
import { AudioDecodeError, CLAP_SAMPLE_RATE, decodeArgs, runFfmpeg } from '@audio-concepts/ingest-audio';
import { Float32Framer } from './float32.framer';
import { describePcm, type PcmParams } from './pcm.params';

export interface PcmDecodeOptions {
  /** default `ffmpeg` on the PATH */
  ffmpegPath?: string;
  /** how the input is named in messages; default "live PCM" */
  label?: string;
}

/**
 * ffmpeg's command line for raw PCM in (format, rate and channels as declared) and 48 kHz mono float32 out.
 * Channels are averaged as for files (`decodeArgs`); no probing, and output flushed packet by
 * packet, so that a live stream's samples are not held back in ffmpeg's buffers.
 */
export function pcmFfmpegArgs(params: PcmParams): string[] {
  const input = [
    // Nothing to probe in declared raw PCM; ffmpeg would otherwise read megabytes before its first output.
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    '-f',
    params.format,
    '-ar',
    String(params.rate),
    '-ac',
    String(params.channels),
    '-i',
    'pipe:0',
  ];
  return decodeArgs(input, CLAP_SAMPLE_RATE, ['-flush_packets', '1']);
}

/**
 * Decodes raw PCM read from `input` to 48 kHz mono float32 chunks with ffmpeg (`runFfmpeg`; resampled by
 * swresample, as files are). It yields samples as ffmpeg produces them, and ends when `input` ends and ffmpeg
 * has flushed. Reading is pulled: while the consumer is busy, ffmpeg blocks and `input` is no longer drained.
 * Stopping early kills ffmpeg. Failures (ffmpeg missing or failing, non-finite samples) are `AudioDecodeError`s.
 */
export async function* decodePcm(
  input: Readable,
  params: PcmParams,
  options: PcmDecodeOptions = {},
): AsyncGenerator<Float32Array> {
  if (endianness() !== 'LE') throw new Error('decodePcm needs a little-endian host');
  const label = options.label ?? 'live PCM';
  const stdout = runFfmpeg({
    ffmpegPath: options.ffmpegPath ?? 'ffmpeg',
    args: pcmFfmpegArgs(params),
    input,
    uri: label,
    label: `${label} (${describePcm(params)})`,
  });
  const framer = new Float32Framer();
  let total = 0;
  for await (const data of stdout) {
    const samples = framer.push(data);
    if (samples.length === 0) continue;
    const bad = samples.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new AudioDecodeError(`${label}: sample ${total + bad} is ${samples[bad]}; audio samples must be finite`, {
        uri: label,
      });
    }
    total += samples.length;
    yield samples;
  }
}
