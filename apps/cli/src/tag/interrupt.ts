import { EXIT } from '../cli-error';

/**
 * Ctrl-C (SIGINT) during `tag`: the first one aborts `signal`, and the input then ends as if it had ended there
 * (the windows of the audio read so far are still printed); a second one exits at once. `restore()` gives
 * SIGINT back to node's default.
 */
export function interruptOnCtrlC(): { signal: AbortSignal; restore(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    restore: () => process.off('SIGINT', onSigint),
  };
}
