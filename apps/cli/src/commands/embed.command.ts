import { Command, Option } from 'commander';
import { openAudio } from '@audio-concepts/ingest-audio';
import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { DEFAULTS, defaultCacheDir } from '@audio-concepts/shared-contracts';
import { UsageError } from '../cli-error';
import { modelOrDemo } from '../demo-model';
import { embedAudioFiles } from '../embed/audio-embeddings';
import { classPrompt } from '../embed/class-prompt';
import { loadEmbedModel, type EmbedModelOptions } from '../embed/embed-model';
import { classesOfFiles } from '../embed/file-classes';
import { readListFile } from '../embed/list-file';
import { embedTexts } from '../embed/text-embeddings';
import { ALLOW_NETWORK_HELP, dtypeOption } from '../model-options';
import { parsePositiveInt } from '../options';
import { expandInputs } from '../tag/inputs';
import { interruptOnCtrlC } from '../tag/interrupt';

interface EmbedOptions extends EmbedModelOptions {
  out: string;
  vocab?: string;
  text?: string;
  labels?: string;
  classes?: string;
  model?: string;
  batch: number;
  progress: boolean;
}

export function embedCommand(): Command {
  return new Command('embed')
    .description(
      'Write CLAP embeddings as .npy files for decompose, eval zero-shot and your own tools: the windows of audio ' +
        'files (cut as tag cuts them), the names of a vocabulary, the lines of a text file, or the class prompts of ' +
        'a label list. Every row is L2-normalized float32, as the encoder gives it.',
    )
    .argument(
      '[input...]',
      'audio files, folders (their audio files, recursively), quoted glob patterns, URLs or - for stdin; ' +
        'writes OUT.npy (n × d) and OUT.index.tsv (row, file, window_seq, start_s, end_s)',
    )
    .requiredOption('--out <FILE.npy>', 'the embeddings file; the index, names or classes go next to it')
    .option(
      '--vocab <NAME|FILE>',
      "instead of audio: the concept names of a vocabulary ('audioset', 'demo' or a file, as tag's --vocab); " +
        'writes OUT.npy (c × d) and OUT.names.txt (for decompose --concepts and --concept-names)',
    )
    .option('--text <FILE>', 'instead of audio: each non-blank line of FILE as it is; writes OUT.npy and OUT.names.txt')
    .option(
      '--labels <FILE>',
      `instead of audio: one class per line, embedded as the prompt "${classPrompt('{label}')}"; writes OUT.npy ` +
        '(k × d, for eval zero-shot --prompts) and OUT.names.txt (the labels)',
    )
    .option(
      '--classes <FILE>',
      'with audio: the class list of --labels; the class of a file is the name of its folder; writes ' +
        'OUT.classes.npy (int32, the class index of every row, for eval zero-shot --labels)',
    )
    .option(
      '--model <DIR|hub-id>',
      'CLAP model directory, or hub id (its copy in <cache-dir>/models, fetched with --allow-network); default: the demo model',
    )
    .option('--allow-network', ALLOW_NETWORK_HELP)
    .addOption(new Option('--device <D>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .addOption(dtypeOption())
    .option('--cache-dir <DIR>', 'cache of text embeddings (shared with tag) and downloaded models', defaultCacheDir())
    .option('--batch <N>', 'windows per encoder call', parsePositiveInt, DEFAULTS.encoderBatch)
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (inputs: string[], options: EmbedOptions) => runEmbed(inputs, options));
}

async function runEmbed(args: string[], options: EmbedOptions): Promise<void> {
  const say = (message: string) => process.stderr.write(`${message}\n`);
  const base = outputBase(options.out);
  const textSources = (['vocab', 'text', 'labels'] as const).filter((k) => options[k] !== undefined);
  if (textSources.length + (args.length > 0 ? 1 : 0) !== 1)
    throw new UsageError(
      'give one thing to embed: audio inputs, --vocab NAME|FILE, --text FILE or --labels FILE' +
        (textSources.length + args.length > 0
          ? ` (got ${[...args, ...textSources.map((k) => `--${k}`)].join(', ')})`
          : ''),
    );
  if (options.classes && args.length === 0)
    throw new UsageError('--classes gives the class of audio files: add them (or use --labels for the prompts)');
  const modelPath = modelOrDemo(options.model);

  if (args.length === 0) {
    const { texts, names, what, note } = await textsToEmbed(options);
    if (note) say(note);
    const encoder = await loadEmbedModel(modelPath, options, 'text', say);
    try {
      await embedTexts({
        encoder,
        texts,
        names,
        what,
        out: { npy: options.out, names: `${base}.names.txt` },
        cacheDir: options.cacheDir,
        say,
      });
    } finally {
      await encoder.close();
    }
    return;
  }

  const inputs = expandInputs(args, say);
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const classOf = options.classes
    ? classesOfFiles(inputs, await readListFile(options.classes, 'class', true), options.classes)
    : undefined;
  // One input is opened first: a missing or unreadable file is reported before the model loads.
  const interrupt = interruptOnCtrlC();
  const first =
    inputs.length === 1 ? await openAudio(inputs[0], { stdin: process.stdin, signal: interrupt.signal }) : undefined;
  try {
    const encoder = await loadEmbedModel(modelPath, options, 'audio', say);
    try {
      await embedAudioFiles({
        inputs,
        first,
        encoder,
        out: { npy: options.out, index: `${base}.index.tsv`, classes: classOf && `${base}.classes.npy` },
        classOf,
        batch: options.batch,
        progress: options.progress,
        signal: interrupt.signal,
        say,
      });
    } finally {
      await encoder.close();
    }
  } finally {
    interrupt.restore();
  }
}

/** `--out E.npy` → `E`, the stem of the files written next to it. */
function outputBase(out: string): string {
  if (!/\.npy$/i.test(out) || out.length <= 4) throw new UsageError(`--out must name a .npy file, got '${out}'`);
  return out.slice(0, -4);
}

async function textsToEmbed(
  options: EmbedOptions,
): Promise<{ texts: string[]; names: string[]; what: string; note?: string }> {
  if (options.vocab !== undefined) {
    const vocabulary = await loadVocabulary(options.vocab);
    const note = vocabulary.frequencies
      ? `note: ${options.vocab}: the frequency column is not used; every term is a concept (for the N most frequent, cut the file)`
      : undefined;
    return {
      texts: vocabulary.terms,
      names: vocabulary.terms,
      what: `concept (vocabulary '${vocabulary.name}')`,
      note,
    };
  }
  if (options.text !== undefined) {
    const texts = await readListFile(options.text, 'text', false);
    return { texts, names: texts, what: 'text' };
  }
  const labels = await readListFile(options.labels!, 'label', true);
  return { texts: labels.map(classPrompt), names: labels, what: 'class prompt' };
}
