import { AudioConceptsError } from '@audio-concepts/shared-errors';

/**
 * Audio that could not be read or decoded: a missing or unreadable file, a malformed WAV, a stream ffmpeg
 * rejects, no audio at all, or ffmpeg itself missing. The message is one line naming the input and the problem;
 * `uri` is the input as given, `ffmpegExitCode` is set when ffmpeg ran and exited non-zero.
 */
export class AudioDecodeError extends AudioConceptsError {
  readonly uri: string;
  readonly ffmpegExitCode?: number;

  constructor(
    message: string,
    context: { uri: string; ffmpegExitCode?: number; retriable?: boolean; cause?: unknown },
  ) {
    super(message, { retriable: context.retriable, cause: context.cause });
    this.uri = context.uri;
    if (context.ffmpegExitCode !== undefined) this.ffmpegExitCode = context.ffmpegExitCode;
  }
}
