import { MIN_TAIL_S, type AudioStream } from '@audio-concepts/ingest-audio';
import { clockFor, tagAudio, type FailedWindow, type TagOptions } from '@audio-concepts/pipeline-embedded';
import type { ConceptSpace, ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { Progress } from '../progress';
import { withMinWeight, type FrameWriter } from './frame-writer';
import { InputSummary } from './input-summary';
import type { ProminenceSummary } from './prominence-summary';
import type { TagCommandOptions } from './tag.options';

/** What every input of a `tag` run shares: the model, the concept space, the output, Ctrl-C. */
export interface TagRun {
  encoder: Parameters<typeof tagAudio>[1];
  space: ConceptSpace;
  head?: ProjectionHead;
  options: TagCommandOptions;
  writer: FrameWriter;
  signal: AbortSignal;
  /** whether the progress line is shown (the text table, or any format on a terminal) */
  progress: boolean;
  /** more than one input: each gets a heading in the text table */
  several: boolean;
  say(message: string): void;
  write(text: string): void;
  /** `--summary`/`--summary-svg`: adds up the frames of each input */
  prominence?: ProminenceSummary;
}

/**
 * Tags one input, writing its frames as they come; a window a stage refuses is named on stderr and counted, and
 * the input goes on, as the services dead-letter it. Errors of the input itself (it cannot be decoded) are thrown.
 */
export async function tagInput(run: TagRun, audio: AudioStream, stream: string, index: number): Promise<InputSummary> {
  const { options } = run;
  const hopS = options.hop ?? options.window;
  const knownS = audio.durationS === undefined ? undefined : Math.min(audio.durationS, options.maxSeconds ?? Infinity);
  const total = knownS === undefined ? undefined : windowCount(knownS, options.window, hopS);
  const progress = new Progress(stream, total, run.progress, ' windows');
  const clock = clockFor(audio.durationS);
  const summary = new InputSummary(clock, options.unknownFit);
  const onFailed = (window: FailedWindow) => {
    summary.failed++;
    progress.clear();
    const span = `${(window.startMs / 1000).toFixed(1)}–${((window.startMs + window.durationMs) / 1000).toFixed(1)} s`;
    run.say(
      `audio-concepts: ${stream}: window ${window.windowSeq} (${span}) skipped by the ${window.stage}: ${window.error.message}`,
    );
  };
  const tagOptions: TagOptions = {
    lambda: options.lambda,
    maxConcepts: options.maxConcepts,
    windowS: options.window,
    hopS,
    batchSize: options.batch,
    maxSeconds: options.maxSeconds,
    signal: run.signal,
    head: run.head,
  };
  const started = performance.now();
  try {
    for await (const frame of tagAudio(audio, run.encoder, run.space, tagOptions, onFailed, stream)) {
      progress.clear();
      if (summary.windows === 0 && run.several) run.write(run.writer.input(stream, index));
      run.write(run.writer.frame(withMinWeight(frame, options.minWeight), clock));
      summary.add(frame);
      run.prominence?.add(frame);
      const seconds = (performance.now() - started) / 1000;
      const endS = (frame.startMs + frame.durationMs) / 1000;
      progress.update(summary.windows, `${(endS / Math.max(seconds, 1e-3)).toFixed(1)}× real time`);
    }
  } finally {
    progress.done();
  }
  return summary;
}

/**
 * How many windows `windowAudio` cuts from `durationS` seconds, for the progress line: a tail shorter than
 * MIN_TAIL_S is dropped. Container durations run a few milliseconds long (codec padding), hence the 50 ms slack.
 */
export function windowCount(durationS: number, windowS: number, hopS: number): number {
  const d = durationS - 0.05;
  let n = hopS >= windowS ? Math.ceil(d / hopS) : Math.ceil((d - windowS) / hopS) + 1;
  n = Math.max(1, n);
  if (n > 1 && Math.min(windowS, durationS - (n - 1) * hopS) < MIN_TAIL_S) n--;
  return n;
}
