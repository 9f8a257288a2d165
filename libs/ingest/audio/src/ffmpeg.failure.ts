import { AudioDecodeError } from './audio-decode.error';

/** The ways an ffmpeg run can fail, as `describeFfmpegFailure` words them. */
export type FfmpegFailure =
  | { kind: 'not-installed'; ffmpegPath: string }
  | { kind: 'not-runnable'; ffmpegPath: string; code: string }
  | { kind: 'no-audio'; exitCode?: number }
  | { kind: 'mp4-index-at-end' }
  | { kind: 'exit'; exitCode: number; stderrLine: string }
  | { kind: 'signal'; signal: string; stderrLine: string };

/** ffmpeg's own exit statuses (fftools/ffmpeg.c); anything else is reported as unknown, with its number. */
const EXIT_STATUS: Record<number, string> = {
  1: 'failed',
  255: 'was interrupted',
};

/** stderr lines that mean "this input has no audio stream" although ffmpeg only says it cannot write output. */
const NO_AUDIO_PATTERNS = [/does not contain any stream/i, /matches no streams/i, /Output file is empty/i];

/**
 * What ffmpeg's MP4 demuxer says when a pipe holds an MP4/M4A whose index (the moov atom) comes after the audio:
 * it cannot seek back to the samples, decodes nothing and still exits 0. A file read by path is fine.
 */
const MP4_INDEX_AT_END_PATTERNS = [/\bpartial file\b/i, /moov atom not found/i];

/** stderr lines of network trouble that may pass: such errors are marked retriable. */
const TRANSIENT_PATTERNS = [
  /Connection refused/i,
  /Connection reset/i,
  /timed out/i,
  /Server returned 5\d\d/i,
  /Temporary failure in name resolution/i,
  /Network is unreachable/i,
];

const DEFAULT_FFMPEG = 'ffmpeg';

function notFoundMessage(ffmpegPath: string, label: string): string {
  const where = ffmpegPath === DEFAULT_FFMPEG ? '' : ` at ${ffmpegPath}`;
  return `ffmpeg not found${where}: install it (Debian: apt-get install ffmpeg) to read ${label}`;
}

/** One message per failure kind; `label` names the input ("stdin" for `-`). */
const MESSAGES: {
  [K in FfmpegFailure['kind']]: (failure: Extract<FfmpegFailure, { kind: K }>, label: string) => string;
} = {
  'not-installed': (f, label) => notFoundMessage(f.ffmpegPath, label),
  'not-runnable': (f, label) => `cannot run ffmpeg at ${f.ffmpegPath} (${f.code}), needed to read ${label}`,
  'no-audio': (_f, label) => `no audio in ${label}`,
  'mp4-index-at-end': (_f, label) =>
    `${label}: this MP4/M4A keeps its index (the moov atom) after the audio, where ffmpeg cannot reach it on a ` +
    'pipe: pass the file by its path instead (or rewrite it with the index first: ' +
    'ffmpeg -i in.m4a -c copy -movflags +faststart out.m4a)',
  exit: (f, label) =>
    `${label}: ffmpeg ${EXIT_STATUS[f.exitCode] ?? 'exited with an unknown status'} (exit code ${f.exitCode}): ${f.stderrLine || 'no message'}`,
  signal: (f, label) => `${label}: ffmpeg was killed by ${f.signal}${f.stderrLine ? `: ${f.stderrLine}` : ''}`,
};

/** Maps a spawn error (ENOENT, EACCES, …) to a failure. */
export function spawnFailure(error: unknown, ffmpegPath: string): FfmpegFailure {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return code === 'ENOENT' ? { kind: 'not-installed', ffmpegPath } : { kind: 'not-runnable', ffmpegPath, code };
}

/** Maps how ffmpeg ended to a failure, or undefined when it succeeded. An "exit" whose stderr says there was
 * no audio stream becomes "no-audio". */
export function exitFailure(
  exitCode: number | null,
  signal: string | null,
  stderrLine: string,
): FfmpegFailure | undefined {
  if (exitCode === 0) return undefined;
  if (exitCode === null) return { kind: 'signal', signal: signal ?? 'an unknown signal', stderrLine };
  if (NO_AUDIO_PATTERNS.some((p) => p.test(stderrLine))) return { kind: 'no-audio', exitCode };
  return { kind: 'exit', exitCode, stderrLine };
}

/** Why ffmpeg exited 0 without any output, from its whole stderr: an MP4 it could not read from a pipe, or no audio. */
export function noOutputFailure(stderr: string, fromPipe: boolean): FfmpegFailure {
  if (fromPipe && MP4_INDEX_AT_END_PATTERNS.some((p) => p.test(stderr))) return { kind: 'mp4-index-at-end' };
  return { kind: 'no-audio' };
}

export function describeFfmpegFailure(
  failure: FfmpegFailure,
  uri: string,
  label: string,
  cause?: unknown,
): AudioDecodeError {
  const message = (MESSAGES[failure.kind] as (f: FfmpegFailure, label: string) => string)(failure, label);
  const exitCode = failure.kind === 'exit' || failure.kind === 'no-audio' ? failure.exitCode : undefined;
  const retriable = failure.kind === 'exit' && TRANSIENT_PATTERNS.some((p) => p.test(failure.stderrLine));
  return new AudioDecodeError(message, { uri, ffmpegExitCode: exitCode, retriable, cause });
}
