import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AudioDecodeError } from './audio-decode.error';

/** Where the audio comes from; the decoders switch on `kind`. `uri` is the input as the caller gave it. */
export type AudioSource =
  | { kind: 'file'; uri: string; path: string; sizeBytes: number }
  | { kind: 'url'; uri: string; url: string }
  | { kind: 'stdin'; uri: string; stream: NodeJS.ReadableStream };

/** `scheme://…`; `file://` becomes a local path, every other scheme goes to ffmpeg as it is. */
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

/** How the first failing filesystem call reads in a message; codes not listed keep their own text. */
const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
};

function fileError(path: string, error: unknown): AudioDecodeError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const problem = FS_PROBLEMS[code] ?? `cannot read (${code || String(error)})`;
  return new AudioDecodeError(`${path}: ${problem}`, { uri: path, cause: error });
}

/**
 * Classifies the input and, for a local file, checks now that it exists, is not a directory and is readable,
 * so that these problems are reported in plain words before any decoder (or ffmpeg) starts.
 */
export async function resolveAudioSource(input: string, stdin: NodeJS.ReadableStream): Promise<AudioSource> {
  if (input === '-') return { kind: 'stdin', uri: input, stream: stdin };
  if (URL_PATTERN.test(input) && !/^file:/i.test(input)) return { kind: 'url', uri: input, url: input };
  const path = /^file:/i.test(input) ? fileURLToPath(input) : input;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
    // access() rather than a trial open(): opening a FIFO would block until a writer appears.
    await access(path, constants.R_OK);
    return { kind: 'file', uri: input, path, sizeBytes: info.isFile() ? info.size : Number.NaN };
  } catch (error) {
    throw fileError(input, error);
  }
}
