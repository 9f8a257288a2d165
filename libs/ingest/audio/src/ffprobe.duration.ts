import { execFile } from 'node:child_process';
import { basename, dirname, join } from 'node:path';

/** ffprobe reads only the container header, so this bounds a hung probe (a file on a dead network mount). */
const PROBE_TIMEOUT_MS = 15_000;

/** ffprobe next to the given ffmpeg (`/opt/ff/bin/ffmpeg` → `/opt/ff/bin/ffprobe`), or `ffprobe` on the PATH. */
export function ffprobePathFor(ffmpegPath: string): string {
  const name = basename(ffmpegPath);
  if (!name.includes('ffmpeg')) return 'ffprobe';
  const probe = name.replace(/ffmpeg(?!.*ffmpeg)/, 'ffprobe');
  return ffmpegPath.includes('/') ? join(dirname(ffmpegPath), probe) : probe;
}

/**
 * A local file's duration in seconds from its container header:
 * `ffprobe -v error -show_entries format=duration -of csv=p=0 <file>`.
 * Undefined when ffprobe is missing, fails or does not know (a raw stream): the duration is only a hint.
 */
export function probeDurationS(path: string, ffprobePath: string): Promise<number | undefined> {
  const args = ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', `file:${path}`];
  return new Promise((resolve) => {
    execFile(ffprobePath, args, { timeout: PROBE_TIMEOUT_MS }, (error, stdout) => {
      const seconds = Number.parseFloat(String(stdout).trim());
      resolve(!error && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined);
    });
  });
}
