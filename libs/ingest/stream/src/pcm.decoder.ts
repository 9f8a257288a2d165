import { spawn } from 'node:child_process';
import { endianness } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { AudioDecodeError, CLAP_SAMPLE_RATE } from '@audio-concepts/ingest-audio';
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
 * Channels are averaged as shared-audio does (`-rematrix_maxval 1`); no probing, and output flushed packet by
 * packet, so that a live stream's samples are not held back in ffmpeg's buffers.
 */
export function pcmFfmpegArgs(params: PcmParams): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
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
    '-ac',
    '1',
    '-rematrix_maxval',
    '1',
    '-ar',
    String(CLAP_SAMPLE_RATE),
    '-f',
    'f32le',
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

/**
 * Decodes raw PCM read from `input` to 48 kHz mono float32 chunks with an ffmpeg child process (resampled by
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
  const ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  const label = options.label ?? 'live PCM';
  const child = spawn(ffmpegPath, pcmFfmpegArgs(params), { stdio: ['pipe', 'pipe', 'pipe'] });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-2048)));
  try {
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  } catch (error) {
    await closed;
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' ? 'not found: install it (Debian: apt-get install ffmpeg)' : `cannot run (${code})`;
    throw new AudioDecodeError(`${label}: ffmpeg ${problem}`, { uri: label, cause: error });
  }
  child.on('error', () => undefined);
  const stdin = child.stdin as Writable;
  stdin.on('error', () => undefined); // EPIPE once ffmpeg has exited; its exit status tells why
  const endInput = () => stdin.end();
  input.once('error', endInput);
  input.pipe(stdin);

  let reaped = false;
  try {
    const framer = new Float32Framer();
    let total = 0;
    for await (const data of child.stdout as Readable) {
      const samples = framer.push(data as Buffer);
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
    const code = await closed;
    reaped = true;
    if (code !== 0) {
      const line = stderr.trim().split(/\r?\n/).at(-1) ?? '';
      throw new AudioDecodeError(
        `${label} (${describePcm(params)}): ffmpeg exited with code ${code}${line ? `: ${line.slice(0, 300)}` : ''}`,
        { uri: label, ffmpegExitCode: code ?? undefined },
      );
    }
  } finally {
    input.off('error', endInput);
    input.unpipe(stdin);
    if (!reaped) {
      child.kill('SIGKILL');
      await closed;
    }
  }
}
