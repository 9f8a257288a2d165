import type { Command } from 'commander';
import { ProjectionHead } from '@audio-concepts/decomposer-concepts';
import { openAudio } from '@audio-concepts/ingest-audio';
import { openConceptSpace, openTagSpace, type OpenedConceptSpace } from '@audio-concepts/pipeline-embedded';
import { InterruptedError, UsageError, WindowsFailedError } from '../cli-error';
import { modelOrDemo } from '../demo-model';
import { frameWriter, type OutputFormat } from '../tag/frame-writer';
import { eachInput, runFailures } from '../tag/each-input';
import { expandInputs, NoInputError } from '../tag/inputs';
import { interruptOnCtrlC } from '../tag/interrupt';
import { tagInput, type TagRun } from '../tag/tag-input';
import { tagCommandDefinition, type TagCommandOptions } from '../tag/tag.options';
import { ProminenceSummary } from '../tag/prominence-summary';
import { writeProminenceChart } from '../prominence-chart';

export function tagCommand(): Command {
  return tagCommandDefinition().action(async (inputs: string[], options: TagCommandOptions, command: Command) =>
    runTag(inputs, options, outputFormat(options, command)),
  );
}

async function runTag(args: string[], options: TagCommandOptions, format: OutputFormat): Promise<void> {
  const say = (message: string) => process.stderr.write(`${message}\n`);
  if (options.space && (options.vocab || options.calibrate))
    throw new UsageError('--space already fixes the vocabulary and the calibration: drop --vocab and --calibrate');
  if (options.summary && (format === 'csv' || format === 'tsv'))
    throw new UsageError(`--summary prints with --format text or json, not ${format}: use --summary-svg FILE`);
  const modelPath = modelOrDemo(options.model);
  const inputs = expandInputs(args, say);
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const interrupt = interruptOnCtrlC();
  const { signal } = interrupt;
  // One input is opened first: a missing or unreadable file is reported before the model loads.
  const first = inputs.length === 1 ? await openAudio(inputs[0], { stdin: process.stdin, signal }) : undefined;
  const head = options.head ? await ProjectionHead.load(options.head) : undefined;

  const opened = await openModel(modelPath, options, say).catch((error: unknown) => {
    interrupt.restore();
    throw error;
  });
  const started = performance.now();
  const run: TagRun = {
    encoder: opened.encoder,
    space: opened.space,
    head,
    options,
    writer: frameWriter(format, { modelId: opened.encoder.modelId, unknownFit: options.unknownFit, top: options.top }),
    signal: interrupt.signal,
    progress: options.progress && (format === 'text' || process.stderr.isTTY === true),
    several: inputs.length > 1,
    say,
    write: (text) => process.stdout.write(text),
    prominence:
      options.summary || options.summarySvg ? new ProminenceSummary(opened.space.names, options.summaryTop) : undefined,
  };
  let windows = 0;
  let failedWindows = 0;
  let failedInputs: string[];
  try {
    checkWindow(options.window, opened.encoder);
    checkHead(head, opened.space);
    introduce(opened, modelPath, options.lambda, say);
    if (head)
      say(
        `head ${head.id} (${head.d} × ${head.d})` +
          (head.audioMeanD ? ', with its audio mean' : '; it has no audio mean stored: m_a = 0 for its windows'),
      );
    run.write(run.writer.begin());
    const loop = { inputs, first, sampleRate: opened.encoder.sampleRate, signal, say };
    failedInputs = await eachInput(loop, async (audio, stream, index) => {
      run.prominence?.begin(stream);
      const summary = await tagInput(run, audio, stream, index);
      if (options.summary && format === 'text') run.write(run.prominence!.inputText());
      windows += summary.windows;
      failedWindows += summary.failed;
      if (run.several) say(summary.line(stream));
    });
  } finally {
    interrupt.restore();
    await opened.close();
  }

  if (run.prominence) await writeSummary(run.prominence, options, format, run.several, say);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const counted = `${windows} window${windows === 1 ? '' : 's'}`;
  if (run.progress) say(`${run.several ? `${inputs.length} inputs, ` : ''}${counted} in ${seconds} s`);
  if (interrupt.signal.aborted) {
    throw new InterruptedError(`interrupted (Ctrl-C): ${counted} printed, from the audio read until then`);
  }
  if (failedInputs.length === inputs.length)
    throw new NoInputError(`none of the ${inputs.length} inputs could be read`);
  const failures = runFailures(failedInputs, inputs.length, failedWindows, windows);
  if (failures.length > 0) throw new WindowsFailedError(`${failures.join('; ')}; the others were tagged`);
}

/** After the frames (of the windows printed, also when some inputs failed or Ctrl-C stopped the run). */
async function writeSummary(
  prominence: ProminenceSummary,
  options: TagCommandOptions,
  format: OutputFormat,
  several: boolean,
  say: (message: string) => void,
): Promise<void> {
  if (options.summary && format === 'json') process.stdout.write(prominence.json());
  if (options.summary && format === 'text' && several) process.stdout.write(prominence.runText());
  if (options.summarySvg) {
    const title = `Top concepts by mean prominence (λ = ${options.lambda})`;
    await writeProminenceChart(options.summarySvg, title, prominence.chartGroups());
    say(`wrote ${options.summarySvg}`);
  }
}

/** `--json` is `--format json`; both, disagreeing, is a usage error. */
function outputFormat(options: TagCommandOptions, command: Command): OutputFormat {
  if (!options.json) return options.format;
  if (command.getOptionValueSource('format') === 'cli' && options.format !== 'json')
    throw new UsageError(`--json means --format json: drop --json or --format ${options.format}`);
  return 'json';
}

function openModel(modelPath: string, options: TagCommandOptions, say: (message: string) => void) {
  const common = {
    modelPath,
    device: options.device,
    dtype: options.dtype,
    cacheDir: options.cacheDir,
    allowNetwork: options.allowNetwork,
  };
  return options.space
    ? openTagSpace({ ...common, space: options.space })
    : openConceptSpace({ ...common, vocab: options.vocab, calibrate: options.calibrate, log: say });
}

/** A head must map the model's embeddings: d × d with the model's d. */
function checkHead(head: ProjectionHead | undefined, space: OpenedConceptSpace['space']): void {
  if (head && head.d !== space.d)
    throw new UsageError(`--head is ${head.d} × ${head.d}, but the model's embeddings have d = ${space.d}`);
}

/** A window longer than the model's feature extractor takes (CLAP: 10 s) cannot be encoded: a usage error. */
function checkWindow(windowS: number, encoder: OpenedConceptSpace['encoder']): void {
  const limitS = encoder.windowSamples / encoder.sampleRate;
  if (Math.round(windowS * encoder.sampleRate) > encoder.windowSamples)
    throw new UsageError(
      `--window ${windowS} is longer than the model's window of ${limitS} s (its feature extractor takes at most ` +
        `${encoder.windowSamples} samples at ${encoder.sampleRate} Hz): use --window ${limitS} or less ` +
        '(and --hop to overlap windows)',
    );
}

/** The model line, as soon as the model is loaded and whatever the format (stdout carries only the data). */
function introduce(
  opened: Awaited<ReturnType<typeof openModel>>,
  modelPath: string,
  lambda: number,
  say: (m: string) => void,
): void {
  const { encoder, vocabulary, space, isDemo } = opened;
  const model = isDemo ? 'demo (synthetic world, not CLAP)' : modelPath;
  say(
    `model ${model} [${encoder.modelId}] on ${encoder.provider.toUpperCase()}; vocabulary '${vocabulary.name}' ` +
      `(${vocabulary.terms.length} concepts), concept space ${space.id}; λ = ${lambda}`,
  );
  if (encoder.warning) say(`warning: ${encoder.warning}`);
  if (space.audioMeanSource === 'none') say('note: no calibration set: audio mean m_a = 0 (pass --calibrate DIR|FILE)');
}
