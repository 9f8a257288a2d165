import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import {
  HEAD_INITS,
  HEAD_OBJECTIVES,
  HEAD_TRAINING_DEFAULTS,
  saveHead,
  trainingRows,
  type HeadInit,
  type HeadObjective,
} from '@audio-concepts/trainer-head';
import { DEFAULTS, defaultCacheDir } from '@audio-concepts/shared-contracts';
import { readHeadTrainingArrays, trainHeadOnOrt } from '@audio-concepts/trainer-service';
import { UsageError } from '../cli-error';
import { modelOrDemo } from '../demo-model';
import type { EmbedModelOptions } from '../embed/embed-model';
import { embedLabelledFolder } from '../embed/labelled-folder';
import { ALLOW_NETWORK_HELP, dtypeOption } from '../model-options';
import { interruptOnCtrlC } from '../tag/interrupt';
import { parseInteger, parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber } from '../options';

interface TrainHeadOptions extends EmbedModelOptions {
  audio?: string;
  labels?: string;
  prompts?: string;
  audioDir?: string;
  model?: string;
  batch: number;
  trainMask?: string;
  audioMeanFrom?: string;
  out: string;
  classNames?: string;
  modelId?: string;
  spaceId?: string;
  objective: HeadObjective;
  init: HeadInit;
  epochs: number;
  lr: number;
  batchSize: number;
  threads?: number;
  valFraction: number;
  patience: number;
  seed: number;
  json?: boolean;
  progress: boolean;
}

export function trainHeadCommand(): Command {
  const d = HEAD_TRAINING_DEFAULTS;
  return new Command('train-head')
    .description(
      "Train the fine-tuned variant's projection head H (DESIGN §1): H·L2(e) is pulled towards the prompt of e's " +
        'class. Writes OUT/head.npy (d × d) and OUT/manifest.json, the directory `eval zero-shot --head` reads.',
    )
    .option('--audio <A.npy>', 'audio embeddings, n × d (`embed AUDIO… --out A.npy`)')
    .option('--labels <y.npy>', 'class index of each audio row, 0 … k−1, length n (`embed … --classes`)')
    .option(
      '--prompts <P.npy>',
      'one prompt embedding per class ("This is a sound of {label}."), k × d (`embed --labels`)',
    )
    .option(
      '--audio-dir <DIR>',
      'instead of --audio/--labels/--prompts: labelled audio, one sub-folder per class (its name is the class), ' +
        'embedded with --model (both towers) into OUT/training/',
    )
    .option('--model <DIR|hub-id>', 'with --audio-dir: the CLAP model (default: the demo model)')
    .option('--allow-network', ALLOW_NETWORK_HELP)
    .addOption(
      new Option('--device <D>', 'execution provider (--audio-dir)').choices(['auto', 'cpu', 'cuda']).default('auto'),
    )
    .addOption(dtypeOption())
    .option('--cache-dir <DIR>', 'cache of text embeddings and downloaded models (--audio-dir)', defaultCacheDir())
    .option('--batch <N>', 'windows per encoder call (--audio-dir)', parsePositiveInt, DEFAULTS.encoderBatch)
    .option('--train-mask <M.npy>', '0/1 per audio row: 1 = train on it (validation included), 0 = leave it out')
    .option(
      '--audio-mean-from <M.npy>',
      "reference audio embeddings (n × d) for the head's m_a: their mean after projection by H (default: the training rows)",
    )
    .requiredOption('--out <DIR>', 'the head directory to write')
    .option('--class-names <FILE>', 'class names, one per line in prompt order (default: 0 … k−1)')
    .option('--model-id <ID>', 'the model the embeddings came from, recorded in the manifest')
    .option('--space-id <ID>', 'the concept space the head is meant for, recorded in the manifest')
    .addOption(
      new Option('--objective <NAME>', 'cosine: 1 − cos(H·x, p_y) (the paper); contrastive: softmax over all prompts')
        .choices(HEAD_OBJECTIVES)
        .default(d.objective),
    )
    .addOption(
      new Option('--init <NAME>', 'random (the paper) or identity (start from zero-shot)')
        .choices(HEAD_INITS)
        .default(d.init),
    )
    .option('--epochs <N>', 'most passes over the training rows', parsePositiveInt, d.epochs)
    .option('--lr <X>', 'Adam learning rate', parsePositiveNumber, d.learningRate)
    .option('--batch-size <N>', 'rows per Adam step', parsePositiveInt, d.batchSize)
    .option(
      '--val-fraction <F>',
      "share of each class's training rows held out for early stopping (0: none)",
      parseNonNegativeNumber,
      d.valFraction,
    )
    .option('--patience <N>', 'stop after N epochs without a better validation loss', parsePositiveInt, d.patience)
    .option('--seed <S>', 'the same data, options and seed give the same head, byte for byte', parseInteger, d.seed)
    .option('--threads <N>', "threads of onnxruntime's GEMM (default: all cores)", parsePositiveInt)
    .option('--json', 'print one JSON object: {"id","out","d","n","classes","train_rows","val_rows",…}')
    .option('--no-progress', 'no progress line on stderr')
    .action(async (options: TrainHeadOptions) => runTrainHead(options));
}

async function runTrainHead(options: TrainHeadOptions): Promise<void> {
  if (options.valFraction >= 1) throw new UsageError(`--val-fraction must be below 1, got ${options.valFraction}`);
  const arrayFlags = ['audio', 'labels', 'prompts'] as const;
  if (options.audioDir !== undefined) {
    const given = arrayFlags.filter((k) => options[k] !== undefined);
    if (given.length > 0)
      throw new UsageError(
        `--audio-dir embeds the audio and the prompts itself: drop ${given.map((k) => `--${k}`).join(', ')}`,
      );
    if (options.classNames)
      throw new UsageError('--audio-dir takes the class names from its sub-folders: drop --class-names');
    const interrupt = interruptOnCtrlC();
    try {
      const embedded = await embedLabelledFolder({
        dir: options.audioDir,
        modelPath: modelOrDemo(options.model),
        model: options,
        outDir: join(options.out, 'training'),
        batch: options.batch,
        progress: options.progress,
        signal: interrupt.signal,
        say: (message) => process.stderr.write(`${message}\n`),
      });
      Object.assign(options, {
        audio: embedded.audio,
        labels: embedded.labels,
        prompts: embedded.prompts,
        classNames: join(options.out, 'training', 'prompts.names.txt'),
        modelId: options.modelId ?? embedded.modelId,
      });
    } finally {
      interrupt.restore();
    }
  } else if (options.model !== undefined)
    throw new UsageError('--model is for --audio-dir (the arrays are embedded already)');
  const missing = arrayFlags.filter((k) => options[k] === undefined);
  if (missing.length > 0)
    throw new UsageError(
      `give the training data: --audio A.npy --labels y.npy --prompts P.npy (missing ${missing.map((k) => `--${k}`).join(', ')}), or --audio-dir DIR`,
    );
  const arrays = await readHeadTrainingArrays({
    audio: options.audio!,
    labels: options.labels!,
    prompts: options.prompts!,
    trainMask: options.trainMask,
  });
  const { audio, prompts, trainMask } = arrays;
  const classes = options.classNames
    ? await readClassNames(options.classNames, prompts.rows)
    : Array.from({ length: prompts.rows }, (_, k) => String(k));
  const started = Date.now();
  const head = await trainHeadOnOrt(
    arrays,
    {
      objective: options.objective,
      init: options.init,
      epochs: options.epochs,
      learningRate: options.lr,
      batchSize: options.batchSize,
      valFraction: options.valFraction,
      patience: options.patience,
      seed: options.seed,
      onEpoch: options.progress
        ? (p) =>
            process.stderr.write(
              `epoch ${p.epoch}/${p.epochs}: train loss ${p.trainLoss.toFixed(4)}` +
                (p.valLoss === null
                  ? '\n'
                  : `, validation loss ${p.valLoss.toFixed(4)}, accuracy ${(100 * p.valAccuracy!).toFixed(1)} %\n`),
            )
        : undefined,
    },
    options.threads,
  );
  const seconds = (Date.now() - started) / 1000;
  const manifest = await saveHead(head, options.out, {
    modelId: options.modelId,
    conceptSpaceId: options.spaceId,
    classes,
    promptsKxD: prompts.data,
    audioReference: options.audioMeanFrom
      ? await readReference(options.audioMeanFrom, audio.cols)
      : trainingRows(audio, trainMask),
  });
  const m = head.metrics;
  const out = resolve(options.out);
  if (options.json)
    process.stdout.write(
      JSON.stringify({
        id: manifest.id,
        out,
        d: head.d,
        n: audio.rows,
        classes: classes.length,
        objective: head.settings.objective,
        init: head.settings.init,
        seed: head.settings.seed,
        train_rows: m.trainRows,
        val_rows: m.valRows,
        epochs_run: m.epochsRun,
        best_epoch: m.bestEpoch,
        train_loss: m.trainLoss,
        train_acc: m.trainAccuracy,
        val_loss: m.valLoss,
        val_acc: m.valAccuracy,
        seconds,
      }) + '\n',
    );
  else
    process.stdout.write(
      `head ${manifest.id} (${head.d} × ${head.d}, ${head.settings.objective} objective, ${head.settings.init} init) → ${out}\n` +
        `  ${m.trainRows} training rows, ${m.valRows} validation rows, ${classes.length} classes\n` +
        `  kept epoch ${m.bestEpoch} of ${m.epochsRun} run; accuracy (nearest prompt to H·x): training ` +
        `${(100 * m.trainAccuracy).toFixed(1)} %` +
        (m.valAccuracy === null ? '' : `, validation ${(100 * m.valAccuracy).toFixed(1)} %`) +
        `\n  ${seconds.toFixed(1)} s\n`,
    );
}

async function readClassNames(path: string, k: number): Promise<string[]> {
  const names = (await readFile(path, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== k)
    throw new UsageError(`--class-names ${path} holds ${names.length} names; the prompts have ${k} classes`);
  return names;
}

async function readReference(path: string, d: number): Promise<{ data: Float64Array; rows: number }> {
  const reference = asFloat64Matrix(await readNpy(path), path);
  if (reference.cols !== d)
    throw new UsageError(`--audio-mean-from ${path} has ${reference.cols} columns; the audio embeddings have d = ${d}`);
  return { data: reference.data, rows: reference.rows };
}
