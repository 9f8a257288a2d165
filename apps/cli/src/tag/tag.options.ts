import { Command, Option } from 'commander';
import { DEFAULTS, defaultCacheDir } from '@audio-concepts/shared-contracts';
import type { ClapDtype } from '@audio-concepts/encoder-clap';
import { ALLOW_NETWORK_HELP, dtypeOption } from '../model-options';
import { parseLambda, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber } from '../options';
import { OUTPUT_FORMATS, type OutputFormat } from './frame-writer';
import { SUMMARY_TOP_DEFAULT } from './prominence-summary';

export interface TagCommandOptions {
  model?: string;
  vocab?: string;
  lambda: number;
  /** at most this many concepts per window, λ raised as far as each window needs; absent: no cap */
  maxConcepts?: number;
  /** concepts shown per window; absent: the text table's DEFAULTS.tableTop, every one in JSON, CSV and TSV */
  top?: number;
  minWeight: number;
  unknownFit: number;
  window: number;
  hop?: number;
  maxSeconds?: number;
  format: OutputFormat;
  json?: boolean;
  calibrate?: string;
  space?: string;
  head?: string;
  allowNetwork?: boolean;
  device: 'auto' | 'cpu' | 'cuda';
  dtype?: ClapDtype;
  cacheDir: string;
  batch: number;
  progress: boolean;
  /** print the mean prominence top concepts of each input and of the run after the frames */
  summary?: boolean;
  summaryTop: number;
  summarySvg?: string;
}

/** `tag`'s arguments, options and help text (the command's action is in tag.command.ts). */
export function tagCommandDefinition(): Command {
  return new Command('tag')
    .description(
      'Print the concepts heard in each window of audio files, a folder of them, URLs or stdin (-): decode → ' +
        'window → CLAP encode → sparse decomposition over a concept vocabulary. Without --model it uses the ' +
        'generated demo model, which knows only a small synthetic world of sounds (hum, tone, siren, hiss, …); ' +
        'real tags need a real CLAP model.',
    )
    .argument(
      '<input...>',
      'audio files (wav, mp3, flac, ogg/opus, m4a, …), folders (their audio files, recursively), quoted glob ' +
        "patterns ('dir/**/*.mp3'), http(s) or Icecast URLs, or - for stdin",
    )
    .option(
      '--model <DIR|hub-id>',
      'CLAP model directory (transformers.js layout) or hub id (needs --allow-network); default: the demo model',
    )
    .option(
      '--vocab <NAME|FILE>',
      "concept vocabulary: 'audioset', 'demo' or a file of names (one per line); default: 'demo' for the demo model, else 'audioset'",
    )
    .option('--lambda <L>', `L1 penalty λ (larger: fewer concepts)`, parseLambda, DEFAULTS.lambda)
    .option(
      '--max-concepts <K>',
      'at most K concepts per window: the best-fitting decomposition with at most K, λ raised above --lambda as far ' +
        "as each window needs (exact there; JSON's lambda is that λ). --top only hides concepts, this changes the fit",
      parsePositiveInt,
    )
    .option(
      '--top <K>',
      `show the K largest concepts of each window (default: ${DEFAULTS.tableTop} in the text table, which says how ` +
        'many more there are; every non-zero concept in json, csv and tsv)',
      parsePositiveInt,
    )
    .option(
      '--min-weight <W>',
      'leave out concepts whose weight is below W, in every format',
      parseNonNegativeNumber,
      0,
    )
    .option(
      '--unknown-fit <F>',
      'mark a window unknown (nothing in the vocabulary fits) when its fit is below F',
      parseNonNegativeNumber,
      DEFAULTS.unknownFit,
    )
    .option(
      '--window <S>',
      "window length in seconds, at most the model's window (CLAP: 10)",
      parsePositiveNumber,
      DEFAULTS.windowS,
    )
    .option('--hop <S>', 'hop between window starts in seconds (default: the window length)', parsePositiveNumber)
    .option(
      '--max-seconds <S>',
      'stop after S seconds of audio of each input (a live stream ends there, as if it had ended)',
      parsePositiveNumber,
    )
    .addOption(
      new Option(
        '--format <F>',
        'text: a table; json: one object per window; csv/tsv: a header, then one row per (window, concept)',
      )
        .choices(OUTPUT_FORMATS)
        .default('text'),
    )
    .option(
      '--json',
      '--format json: {"stream","window_seq","start_s","end_s","concepts":[{"label","weight"}],"cosine","l0",' +
        '"model_id","concept_space_id","fit","unknown"}',
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
    .option(
      '--head <DIR>',
      'a projection head (`train-head --out DIR`): each window is decomposed as H·L2(e) with the m_a stored with the ' +
        'head, and the JSON frames carry its head_id',
    )
    .option('--allow-network', ALLOW_NETWORK_HELP)
    .addOption(new Option('--device <D>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .addOption(dtypeOption())
    .option(
      '--cache-dir <DIR>',
      'cache for text embeddings and calibration means, and the store of concept spaces (<DIR>/spaces)',
      defaultCacheDir(),
    )
    .option(
      '--batch <N>',
      'windows per encoder call: larger batches run faster on a GPU; on live input a window is encoded as soon as ' +
        'it is complete, without waiting for a full batch',
      parsePositiveInt,
      DEFAULTS.encoderBatch,
    )
    .option(
      '--summary',
      'after the frames, the top concepts of each input by mean prominence (mean weight over its windows) and, ' +
        'with several inputs, of the whole run; with --json one last line {"summary":{"windows","concepts",' +
        '"inputs":[{"stream","windows","concepts"}]}} (text or json format)',
    )
    .option('--summary-top <K>', 'concepts listed per summary', parsePositiveInt, SUMMARY_TOP_DEFAULT)
    .option('--summary-svg <FILE>', 'write the bar chart of the summaries (one panel per input, and the run) to FILE')
    .option('--no-progress', 'no progress line on stderr (shown for the text table, and on a terminal for any format)')
    .addHelpText(
      'after',
      '\nweight: how much of the window a concept accounts for (its coefficient in the sparse mix, not a ' +
        "probability); cosine: how close that mix comes to the window's embedding (1 = all of it); fit: how much " +
        'of what sets the window apart from average audio the concepts rebuild — below --unknown-fit the window is ' +
        'marked unknown: nothing in the vocabulary fits it.\n' +
        'Exit codes: 0 ok, 1 bad input, 2 usage, 3 some windows or inputs failed (each named; the rest was printed), ' +
        '130 Ctrl-C (the audio read until then was printed).',
    );
}
