import { Command, Option } from 'commander';
import { DEFAULTS, defaultCacheDir } from '@audio-concepts/shared-contracts';
import { CLAP_SAMPLE_RATE, openAudio } from '@audio-concepts/ingest-audio';
import {
  frameJson,
  frameLine,
  openConceptSpace,
  openTagSpace,
  tagAudio,
  type FailedWindow,
} from '@audio-concepts/pipeline-embedded';
import { UsageError, WindowsFailedError } from '../cli-error';
import { modelOrDemo } from '../demo-model';
import { parseLambda, parsePositiveInt, parsePositiveNumber } from '../options';
import { Progress } from '../progress';

interface TagCommandOptions {
  model?: string;
  vocab?: string;
  lambda: number;
  top: number;
  window: number;
  hop?: number;
  json?: boolean;
  calibrate?: string;
  space?: string;
  allowNetwork?: boolean;
  device: 'auto' | 'cpu' | 'cuda';
  cacheDir: string;
  batch: number;
  progress: boolean;
}

const DEFAULT_CACHE_DIR = defaultCacheDir();

export function tagCommand(): Command {
  return new Command('tag')
    .description(
      'Print the concepts heard in each window of an audio file, URL or stdin (-): decode → window → CLAP encode → ' +
        'sparse decomposition over a concept vocabulary. Without --model it uses the generated demo model, which ' +
        'knows only a small synthetic world of sounds (hum, tone, siren, hiss, …); real tags need a real CLAP model.',
    )
    .argument('<input>', 'audio file (wav, mp3, flac, ogg/opus, m4a, …), http(s) or Icecast URL, or - for stdin')
    .option(
      '--model <DIR|hub-id>',
      'CLAP model directory (transformers.js layout) or hub id (needs --allow-network); default: the demo model',
    )
    .option(
      '--vocab <NAME|FILE>',
      "concept vocabulary: 'audioset', 'demo' or a file of names (one per line); default: 'demo' for the demo model, else 'audioset'",
    )
    .option('--lambda <L>', `L1 penalty λ (larger: fewer concepts)`, parseLambda, DEFAULTS.lambda)
    .option('--top <K>', 'concepts printed per window', parsePositiveInt, DEFAULTS.topK)
    .option('--window <S>', 'window length in seconds (CLAP: 10)', parsePositiveNumber, DEFAULTS.windowS)
    .option('--hop <S>', 'hop between window starts in seconds (default: the window length)', parsePositiveNumber)
    .option(
      '--json',
      'one JSON object per window: {"stream","window_seq","start_s","end_s","concepts":[{"label","weight"}],"cosine","l0"}',
    )
    .option(
      '--calibrate <DIR|FILE>',
      "calibration set for the audio mean m_a: audio files or a .npy of embeddings (default: the model's own set, if it ships one)",
    )
    .option(
      '--space <DIR|ID>',
      'a stored concept space (`space build`; a directory, or an id in <cache-dir>/spaces): no text embedding is ' +
        'computed and only the audio tower loads; --model must be the model the space was built with',
    )
    .option('--allow-network', 'allow downloading a model by hub id')
    .addOption(new Option('--device <D>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .option(
      '--cache-dir <DIR>',
      'cache for text embeddings and calibration means, and the store of concept spaces (<DIR>/spaces)',
      DEFAULT_CACHE_DIR,
    )
    .option('--batch <N>', 'windows per encoder batch', parsePositiveInt, DEFAULTS.encoderBatch)
    .option('--no-progress', 'no progress line on stderr')
    .action(async (input: string, options: TagCommandOptions) => runTag(input, options));
}

async function runTag(input: string, options: TagCommandOptions): Promise<void> {
  const modelPath = modelOrDemo(options.model);
  const say = (message: string) => process.stderr.write(`${message}\n`);

  // Open the input first: a missing or unreadable file is reported before the model loads.
  let audio = await openAudio(input, { sampleRate: CLAP_SAMPLE_RATE, stdin: process.stdin });
  if (options.space && (options.vocab || options.calibrate))
    throw new UsageError('--space already fixes the vocabulary and the calibration: drop --vocab and --calibrate');
  const opened = options.space
    ? await openTagSpace({
        modelPath,
        space: options.space,
        device: options.device,
        cacheDir: options.cacheDir,
        allowNetwork: options.allowNetwork,
      })
    : await openConceptSpace({
        modelPath,
        vocab: options.vocab,
        calibrate: options.calibrate,
        device: options.device,
        cacheDir: options.cacheDir,
        allowNetwork: options.allowNetwork,
        log: say,
      });
  const { encoder, space, vocabulary, isDemo } = opened;
  if (encoder.sampleRate !== CLAP_SAMPLE_RATE)
    audio = await openAudio(input, { sampleRate: encoder.sampleRate, stdin: process.stdin });
  // Said once the first frame is ready, so that an input that fails to decode gives one line, the error.
  const notes = [
    ...(options.json
      ? []
      : [
          `model ${isDemo ? 'demo (synthetic world, not CLAP)' : modelPath} [${encoder.modelId}] on ${encoder.provider.toUpperCase()}; vocabulary '${vocabulary.name}' (${vocabulary.terms.length} concepts); λ = ${options.lambda}`,
        ]),
    ...(space.audioMeanSource === 'none'
      ? ['note: no calibration set: audio mean m_a = 0 (pass --calibrate DIR|FILE)']
      : []),
  ];

  const stream = input === '-' ? 'stdin' : input;
  const hopS = options.hop ?? options.window;
  const totalWindows = audio.durationS === undefined ? undefined : windowCount(audio.durationS, options.window, hopS);
  const started = performance.now();
  const progress = new Progress(stream, totalWindows, options.progress && !options.json, ' windows');
  let windows = 0;
  const failed: FailedWindow[] = [];
  // A window a stage refuses is named on stderr and the run goes on, as the services dead-letter it.
  const onFailed = (window: FailedWindow) => {
    failed.push(window);
    progress.clear();
    const span = `${(window.startMs / 1000).toFixed(1)}–${((window.startMs + window.durationMs) / 1000).toFixed(1)} s`;
    say(`audio-concepts: window ${window.windowSeq} (${span}) skipped by the ${window.stage}: ${window.error.message}`);
  };
  try {
    const frames = tagAudio(
      audio,
      encoder,
      space,
      { lambda: options.lambda, top: options.top, windowS: options.window, hopS, batchSize: options.batch },
      onFailed,
      stream,
    );
    for await (const frame of frames) {
      if (windows === 0) notes.forEach(say);
      progress.clear();
      process.stdout.write(options.json ? `${frameJson(frame)}\n` : `${frameLine(frame)}\n`);
      windows++;
      const seconds = (performance.now() - started) / 1000;
      const endS = (frame.startMs + frame.durationMs) / 1000;
      progress.update(windows, `${(endS / Math.max(seconds, 1e-3)).toFixed(1)}× real time`);
    }
  } finally {
    progress.done();
    await opened.close();
  }
  if (!options.json && options.progress)
    say(`${windows} window${windows === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (failed.length > 0)
    throw new WindowsFailedError(
      `${failed.length} of ${windows + failed.length} windows failed (windows ${failed.map((f) => f.windowSeq).join(', ')}); ` +
        'the others were tagged',
    );
}

/**
 * How many windows `windowAudio` cuts from `durationS` seconds, for the progress line. Container durations
 * run a few milliseconds long (codec padding), hence the 50 ms slack.
 */
function windowCount(durationS: number, windowS: number, hopS: number): number {
  const d = durationS - 0.05;
  if (hopS >= windowS) return Math.max(1, Math.ceil(d / hopS));
  return Math.max(1, Math.ceil((d - windowS) / hopS) + 1);
}
