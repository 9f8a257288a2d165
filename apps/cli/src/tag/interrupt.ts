import { EXIT } from '../cli-error';

/**
 * Ctrl-C (SIGINT) during `tag`: the first one aborts `signal`, and the input then ends as if it had ended there
 * (the windows of the audio read so far are still printed); a second one exits at once. `restore()` gives
 * SIGINT back to node's default.
 */
export function interruptOnCtrlC(): { signal: AbortSignal; restore(): void; exitIfStuck(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    restore: () => process.off('SIGINT', onSigint),
    // Once everything is written: a source that does not let go (ffmpeg blocked reading a pipe nobody closes)
    // must not keep the process alive after Ctrl-C.
    exitIfStuck: () => setTimeout(() => process.exit(EXIT.interrupted), 1000).unref(),
  };
}
