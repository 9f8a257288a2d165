import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { AudioDecodeError } from './audio-decode.error';
import { describeFfmpegFailure, exitFailure, noOutputFailure, spawnFailure } from './ffmpeg.failure';
import { StderrTail } from './stderr.tail';

export interface FfmpegRun {
  ffmpegPath: string;
  /** the command line after the program name */
  args: string[];
  /** fed to ffmpeg's stdin (the args read `pipe:0`); without it stdin is closed */
  input?: NodeJS.ReadableStream;
  /** the input as given (the errors' `uri`) */
  uri: string;
  /** how the input is named in messages */
  label: string;
  /** kills ffmpeg when aborted (the generator then ends with ffmpeg's failure, which an aborting caller ignores) */
  signal?: AbortSignal;
}

/**
 * ffmpeg's command line for decoding to what the pipeline reads: quiet (errors only, no prompt), then `input`
 * (its options and `-i`), then the default audio stream as mono float32 at `sampleRate` on stdout.
 * `outputOptions` go just before the output (e.g. `-flush_packets 1`).
 */
export function decodeArgs(input: string[], sampleRate: number, outputOptions: string[] = []): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    ...input,
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
    ...outputOptions,
    'pipe:1',
  ];
}

/**
 * Runs ffmpeg and yields its stdout as it comes. stdout is read by async iteration, so ffmpeg blocks on a full
 * pipe while the consumer is busy. A failure — ffmpeg missing, a failed exit (with the last stderr line), a
 * read error of `input` — is an `AudioDecodeError`, thrown once ffmpeg has exited. If the consumer stops early
 * the child is killed and reaped before the generator returns.
 */
export async function* runFfmpeg(run: FfmpegRun): AsyncGenerator<Buffer> {
  const { ffmpegPath, args, input, uri, label, signal } = run;
  const child = spawn(ffmpegPath, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const stderr = new StderrTail();
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  try {
    await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  } catch (error) {
    await closed;
    throw describeFfmpegFailure(spawnFailure(error, ffmpegPath), uri, label, error);
  }
  child.on('error', () => undefined); // a failed kill(); the exit status is what we report
  const stop = () => child.kill('SIGKILL');
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });

  const fed = input ? pipeInto(input, child.stdin as Writable) : undefined;
  let reaped = false;
  let produced = 0;
  try {
    for await (const data of child.stdout as Readable) {
      produced += (data as Buffer).length;
      yield data as Buffer;
    }
    const { code, signal } = await closed;
    reaped = true;
    if (fed?.error) {
      throw new AudioDecodeError(`${label}: reading failed: ${fed.error.message}`, { uri, cause: fed.error });
    }
    // Whatever ffmpeg makes of no bytes at all ("Invalid data", "could not find codec parameters"), that is the cause.
    if (fed && fed.bytes === 0) throw new AudioDecodeError(`${label} is empty: no bytes arrived`, { uri });
    const failure =
      exitFailure(code, signal, stderr.lastLine(args[args.indexOf('-i') + 1])) ??
      (produced === 0 ? noOutputFailure(stderr.text(), fed !== undefined) : undefined);
    if (failure) throw describeFfmpegFailure(failure, uri, label);
  } finally {
    signal?.removeEventListener('abort', stop);
    fed?.release();
    if (!reaped) {
      child.kill('SIGKILL');
      await closed;
    }
  }
}

/**
 * Feeds a caller's stream to ffmpeg's stdin, counting its bytes; `release` detaches it again without closing the
 * caller's stream.
 * Write errors (EPIPE once ffmpeg has exited) are ignored: ffmpeg's exit status says what went wrong. A read
 * error of the caller's stream ends ffmpeg's input and is kept in `error`, to be reported after ffmpeg exits.
 */
function pipeInto(from: NodeJS.ReadableStream, to: Writable): { error?: Error; bytes: number; release(): void } {
  const fed: { error?: Error; bytes: number; release(): void } = {
    bytes: 0,
    release() {
      from.off('error', onError);
      from.off('data', onData);
      from.unpipe(to);
      to.destroy();
    },
  };
  const onError = (error: Error) => {
    fed.error = error;
    to.end();
  };
  const onData = (chunk: Buffer | string) => {
    fed.bytes += chunk.length;
  };
  to.on('error', () => undefined);
  from.on('error', onError);
  from.on('data', onData);
  from.pipe(to);
  return fed;
}
