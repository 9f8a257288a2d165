import { openAudio, type AudioStream } from '@audio-concepts/ingest-audio';
import { describeError, EXIT } from '../cli-error';

/** The inputs of a `tag` or `embed` run and how to open them. */
export interface InputLoop {
  inputs: readonly string[];
  /** the input opened before the model loaded (so that a missing file is reported first), when there is one */
  first?: AudioStream;
  /** the model's rate: `first` is used if it was opened at it, else the input is opened again */
  sampleRate: number;
  /** Ctrl-C: no further input is started, and ffmpeg is killed */
  signal: AbortSignal;
  say(message: string): void;
}

/**
 * Runs `body` on each input in turn, opened at the model's rate; its name is the input, or `stdin` for `-`. With
 * several inputs, one that cannot be read or decoded (a bad-input error) is named on stderr and skipped, and the
 * others go on; alone, its error is the run's. Returns the names of the inputs skipped.
 */
export async function eachInput(
  loop: InputLoop,
  body: (audio: AudioStream, name: string, index: number) => Promise<void>,
): Promise<string[]> {
  const { inputs, first, sampleRate, signal, say } = loop;
  const failed: string[] = [];
  for (const [index, input] of inputs.entries()) {
    if (signal.aborted) break;
    const name = input === '-' ? 'stdin' : input;
    try {
      const audio =
        index === 0 && first?.sampleRate === sampleRate
          ? first
          : await openAudio(input, { sampleRate, stdin: process.stdin, signal });
      await body(audio, name, index);
    } catch (error) {
      const { message, exitCode } = describeError(error);
      if (inputs.length === 1 || exitCode !== EXIT.badInput) throw error;
      failed.push(name);
      say(`audio-concepts: ${message.includes(input) ? message : `${name}: ${message}`}`);
    }
  }
  return failed;
}

/**
 * What went wrong in a run that went on: `2 of 4 inputs failed (a.mp3, b.wav)`, `3 of 12 windows failed` (or
 * `3 windows failed` without the count of windows done); empty when nothing did.
 */
export function runFailures(failedInputs: string[], inputCount: number, failedWindows: number, windowsDone?: number) {
  return [
    ...(failedInputs.length > 0
      ? [`${failedInputs.length} of ${inputCount} inputs failed (${failedInputs.join(', ')})`]
      : []),
    ...(failedWindows > 0
      ? [`${failedWindows}${windowsDone === undefined ? '' : ` of ${windowsDone + failedWindows}`} windows failed`]
      : []),
  ];
}
