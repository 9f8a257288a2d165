import { InvalidInputError } from '@audio-concepts/shared-errors';
import { writeNpy } from '@audio-concepts/shared-npy';
import type { AudioStream } from '@audio-concepts/ingest-audio';
import { embedAudio, type FailedWindow } from '@audio-concepts/pipeline-embedded';
import { DEFAULTS, vectorOf } from '@audio-concepts/shared-contracts';
import type { ClapEncoder } from '@audio-concepts/encoder-clap';
import { InterruptedError, WindowsFailedError } from '../cli-error';
import { Progress } from '../progress';
import { eachInput, runFailures } from '../tag/each-input';
import { windowCount } from '../tag/tag-input';
import { EmbeddingSpool } from './embedding-spool';
import { tsvField } from './tsv';

export interface AudioEmbeddingRun {
  inputs: readonly string[];
  /** the input opened before the model loaded (a missing file is reported first), when there is one input */
  first?: AudioStream;
  encoder: ClapEncoder;
  /** where the n × d float32 rows, the index and (with --classes) the class of each row go */
  out: { npy: string; index: string; classes?: string };
  /** per input, its class index (--classes) */
  classOf?: readonly number[];
  batch: number;
  progress: boolean;
  signal: AbortSignal;
  say(message: string): void;
}

export const INDEX_HEADER = ['row', 'file', 'window_seq', 'start_s', 'end_s'];

/**
 * Embeds every window of every input, cut as `tag` cuts them (the model's window, no overlap, a tail under 1 s
 * dropped), through the same `embedAudio` path; writes the rows, one index line per row and the class of each
 * row. A bad input among several, or a window the encoder refuses, is named and skipped (exit 3 at the end,
 * after writing the others); nothing is written when no window could be embedded or on Ctrl-C.
 */
export async function embedAudioFiles(run: AudioEmbeddingRun): Promise<void> {
  const { encoder, inputs, say } = run;
  const windowS = DEFAULTS.windowS;
  const spool = await EmbeddingSpool.open(run.out.npy, run.out.index, encoder.dimension, INDEX_HEADER.join('\t'));
  const rowClasses: number[] = [];
  let failedInputs: string[];
  let failedWindows = 0;
  try {
    const loop = { inputs, first: run.first, sampleRate: encoder.sampleRate, signal: run.signal, say };
    failedInputs = await eachInput(loop, async (audio, name, i) => {
      const known = audio.durationS === undefined ? undefined : windowCount(audio.durationS, windowS, windowS);
      const progress = new Progress(name, known, run.progress, ' windows');
      const onFailed = (w: FailedWindow) => {
        failedWindows++;
        progress.clear();
        say(`audio-concepts: ${name}: window ${w.windowSeq} skipped by the ${w.stage}: ${w.error.message}`);
      };
      const options = { windowS, hopS: windowS, batchSize: run.batch, signal: run.signal };
      let windows = 0;
      try {
        for await (const e of embedAudio(audio, encoder, options, onFailed, name)) {
          const startS = (e.startMs / 1000).toFixed(3);
          const endS = ((e.startMs + e.durationMs) / 1000).toFixed(3);
          await spool.add(vectorOf(e), [tsvField(name), String(e.windowSeq), startS, endS]);
          if (run.classOf) rowClasses.push(run.classOf[i]);
          progress.update(++windows);
        }
      } finally {
        progress.done();
      }
    });
    if (run.signal.aborted) throw new InterruptedError('interrupted (Ctrl-C): nothing written');
    if (failedInputs.length === inputs.length)
      throw new InvalidInputError(`none of the ${inputs.length} inputs could be read: nothing written`);
    if (spool.rows === 0)
      throw new WindowsFailedError(`no window could be embedded (${inputs.length} inputs): nothing written`);
    await spool.finish();
  } catch (error) {
    await spool.abort();
    throw error;
  }
  if (run.out.classes)
    await writeNpy(run.out.classes, { data: Int32Array.from(rowClasses), shape: [rowClasses.length], dtype: 'int32' });
  say(
    `wrote ${spool.rows} embeddings (${spool.rows} × ${encoder.dimension} float32, L2-normalized) to ${run.out.npy}; ` +
      `index ${run.out.index}${run.out.classes ? `; class of each row ${run.out.classes}` : ''}`,
  );
  const failures = runFailures(failedInputs, inputs.length, failedWindows);
  if (failures.length > 0) throw new WindowsFailedError(`${failures.join('; ')}; the others were written`);
}
