import { AudioConceptsError, errorMessage } from '@audio-concepts/shared-errors';

/** Exit codes of the command line (documented in the README). */
export const EXIT = {
  ok: 0,
  /** bad input: a file that cannot be read, a malformed array, wrong dimensions, NaN, … */
  badInput: 1,
  /** wrong flags or arguments */
  usage: 2,
  /** `tag`: some windows could not be processed (each named on stderr); the others were printed */
  windowsFailed: 3,
  /** `tag` stopped by Ctrl-C: the windows of the audio read until then were printed (128 + SIGINT) */
  interrupted: 130,
  /** a bug or an unexpected failure; run with --debug for the stack trace */
  internal: 70,
} as const;

/** Wrong or missing flags, found after parsing (commander reports its own usage errors). */
export class UsageError extends AudioConceptsError {}

/** `tag` went through its input, but some windows failed; each was reported as it failed. */
export class WindowsFailedError extends AudioConceptsError {}

/** `tag` was stopped by Ctrl-C after printing what it had read. */
export class InterruptedError extends AudioConceptsError {}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a component of the path is not a directory',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left on the device',
};

/** One line for the user, and the exit code, for any error a command can throw. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof UsageError) return { message: error.message, exitCode: EXIT.usage };
  if (error instanceof WindowsFailedError) return { message: error.message, exitCode: EXIT.windowsFailed };
  if (error instanceof InterruptedError) return { message: error.message, exitCode: EXIT.interrupted };
  if (error instanceof AudioConceptsError) return { message: error.message, exitCode: EXIT.badInput };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (code && FILE_ERRORS[code]) return { message: `${path ?? 'file'}: ${FILE_ERRORS[code]}`, exitCode: EXIT.badInput };
  if (error instanceof RangeError || error instanceof TypeError)
    return { message: error.message, exitCode: EXIT.badInput };
  const message = errorMessage(error);
  return { message: `internal error: ${message} (run with --debug for details)`, exitCode: EXIT.internal };
}
