import { Command, Option } from 'commander';
import { scoreZeroShot, type ZeroShotScores } from '@audio-concepts/decomposer-concepts';
import { BOOTSTRAP_DEFAULTS } from '@audio-concepts/evaluation-metrics';
import { UsageError } from '../cli-error';
import { openEvalSpace, withSpaceOptions } from './eval/eval-space';
import { readBinaryMatrix } from './eval/npy-inputs';
import { InvalidInputError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, asIntVector, readNpy } from '@audio-concepts/shared-npy';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { parseInteger, parseLambda, parsePositiveInt } from '../options';
import {
  HEAD_INITS,
  HEAD_OBJECTIVES,
  HEAD_TRAINING_DEFAULTS,
  trainingRows,
  type HeadInit,
  type HeadObjective,
} from '@audio-concepts/trainer-head';
import { evaluateFinetune } from '../finetune-folds';
import { classesCommand } from './eval/classes.command';
import { retrievalCommand } from './eval/retrieval.command';
import { sweepCommand } from './eval/sweep.command';

interface ZeroShotOptions {
  audio: string;
  labels?: string;
  multilabel?: string;
  bootstrap?: number;
  bootstrapSeed: number;
  prompts: string;
  concepts?: string;
  audioMeanFrom?: string;
  space?: string;
  cacheDir: string;
  lambda: number;
  head?: string;
  evalMask?: string;
  json?: boolean;
  threads?: number;
}

export function evalCommand(): Command {
  const evalGroup = new Command('eval').description('Evaluate concept representations (DESIGN §1)');
  evalGroup.addCommand(
    withSpaceOptions(
      new Command('zero-shot')
        .description(
          'Zero-shot classification with the dense embeddings (argmax ⟨L2(e), L2(t_k)⟩) and with their concept ' +
            'reconstructions r (argmax ⟨r, L2(t_k)⟩), plus mean non-zeros and mean fidelity cos(r, L2(e)).',
        )
        .requiredOption('--audio <A.npy>', 'audio embeddings, n × d (`embed AUDIO… --out A.npy`)')
        .option(
          '--labels <y.npy>',
          'true class of each audio row: int32/int64 indices into the prompts, length n (`embed … --classes`); ' +
            '(required unless --multilabel is given)',
        )
        .option(
          '--multilabel <Y.npy>',
          'multi-label targets, n × k of 0/1 (column k = prompt k): adds the mAP of the prompt cosines (AudioSet)',
        )
        .requiredOption(
          '--prompts <P.npy>',
          'class prompt embeddings ("This is a sound of {label}."), one row per class, k × d (`embed --labels`)',
        ),
    )
      .requiredOption('--lambda <L>', 'L1 penalty λ', parseLambda)
      .option(
        '--head <DIR>',
        'fine-tuned projection head (train-head --out DIR): decomposes H·L2(e) instead of e, with m_a over the projected --audio-mean-from corpus or else the m_a stored with the head',
      )
      .option(
        '--eval-mask <M.npy>',
        '0/1 per audio row: evaluate the rows with 1 only (e.g. those a head was not trained on: train-head --train-mask)',
      )
      .option(
        '--bootstrap <N>',
        'add 95% percentile bootstrap intervals of every figure from N resamples of the rows (1000 is usual)',
        parsePositiveInt,
      )
      .option('--bootstrap-seed <S>', 'seed of the bootstrap resampling', parseInteger, BOOTSTRAP_DEFAULTS.seed)
      .option(
        '--json',
        'print one JSON object: {"n","concepts","dense_acc","concept_acc","l0_mean","cos_mean","dense_f1",' +
          '"concept_f1"} (+ "dense_map","concept_map" with --multilabel, "ci" with --bootstrap)',
      )
      .option('--threads <N>', 'solver and GEMM threads (default: all cores)', parsePositiveInt)
      .exitOverride()
      .action(async (options: ZeroShotOptions) => runZeroShot(options)),
  );
  evalGroup.addCommand(
    new Command('finetune')
      .description(
        "k-fold evaluation of the fine-tuned variant (the paper's Table III): per fold a head is trained on the " +
          'other folds (as `train-head` does), then the fold is classified densely without it, densely with it ' +
          '(argmax ⟨L2(H·L2(e)), L2(t_k)⟩) and by its concepts (the reconstruction of H·L2(e), m_a over the ' +
          'projected --audio-mean-from corpus).',
      )
      .requiredOption('--audio <A.npy>', 'audio embeddings, n × d (`embed AUDIO… --out A.npy`)')
      .requiredOption('--labels <y.npy>', 'class index of each audio row, 0 … k−1, length n')
      .requiredOption('--prompts <P.npy>', 'one prompt embedding per class, k × d (`embed --labels`)')
      .requiredOption('--concepts <T.npy>', 'raw concept text embeddings, c × d (`embed --vocab`)')
      .option('--audio-mean-from <M.npy>', "reference audio embeddings for m_a, projected by each fold's head")
      .requiredOption('--folds <F.npy>', 'fold of each audio row (integers; each distinct value is one fold)')
      .requiredOption('--lambda <L>', 'L1 penalty λ', parseLambda)
      .addOption(
        new Option('--objective <NAME>', "the heads' objective")
          .choices(HEAD_OBJECTIVES)
          .default(HEAD_TRAINING_DEFAULTS.objective),
      )
      .addOption(
        new Option('--init <NAME>', "the heads' init").choices(HEAD_INITS).default(HEAD_TRAINING_DEFAULTS.init),
      )
      .option('--seed <S>', "seed of every fold's training", parseInteger, HEAD_TRAINING_DEFAULTS.seed)
      .option(
        '--json',
        'print one JSON object: {"folds","dense_acc","finetuned_dense_acc","finetuned_concept_acc",' +
          '"finetuned_dense_std","finetuned_concept_std","l0_mean","per_fold":[…]}',
      )
      .option('--threads <N>', 'solver and GEMM threads (default: all cores)', parsePositiveInt)
      .exitOverride()
      .action(async (options: FinetuneOptions) => runFinetune(options)),
  );
  evalGroup.addCommand(classesCommand());
  evalGroup.addCommand(retrievalCommand());
  evalGroup.addCommand(sweepCommand());
  return evalGroup;
}

interface FinetuneOptions {
  audio: string;
  labels: string;
  prompts: string;
  concepts: string;
  audioMeanFrom?: string;
  folds: string;
  lambda: number;
  objective: HeadObjective;
  init: HeadInit;
  seed: number;
  json?: boolean;
  threads?: number;
}

async function runFinetune(options: FinetuneOptions): Promise<void> {
  const audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  const labels = asIntVector(await readNpy(options.labels), options.labels);
  const prompts = asFloat64Matrix(await readNpy(options.prompts), options.prompts);
  const concepts = asFloat64Matrix(await readNpy(options.concepts), options.concepts);
  const folds = asIntVector(await readNpy(options.folds), options.folds);
  const reference = options.audioMeanFrom
    ? asFloat64Matrix(await readNpy(options.audioMeanFrom), options.audioMeanFrom)
    : undefined;
  if (!reference) process.stderr.write('note: no --audio-mean-from given: audio mean m_a = 0\n');
  const matmul = await createOrtMatMul({ threads: options.threads });
  try {
    const report = await evaluateFinetune({
      audio: audio.data,
      n: audio.rows,
      d: audio.cols,
      labels,
      prompts: prompts.data,
      k: prompts.rows,
      concepts: concepts.data,
      c: concepts.rows,
      reference,
      folds,
      lambda: options.lambda,
      matmul,
      threads: options.threads,
      training: { objective: options.objective, init: options.init, seed: options.seed },
      onFold: (f, index, total) =>
        process.stderr.write(
          `fold ${f.fold} (${index + 1}/${total}): ${f.n} rows, trained on ${f.train_rows} for ${f.epochs_run} epochs; ` +
            `dense ${pct(f.dense_acc)}, fine-tuned dense ${pct(f.finetuned_dense_acc)}, ` +
            `fine-tuned concept ${pct(f.finetuned_concept_acc)}\n`,
        ),
    });
    if (options.json) process.stdout.write(JSON.stringify(report) + '\n');
    else
      process.stdout.write(
        `fine-tuned variant, ${report.folds}-fold, ${concepts.rows} concepts, λ = ${options.lambda}:\n` +
          `  dense accuracy (no head)    ${pct(report.dense_acc)}\n` +
          `  fine-tuned dense accuracy   ${pct(report.finetuned_dense_acc)} ± ${pct(report.finetuned_dense_std)}\n` +
          `  fine-tuned concept accuracy ${pct(report.finetuned_concept_acc)} ± ${pct(report.finetuned_concept_std)}\n` +
          `  mean non-zeros              ${report.l0_mean.toFixed(1)}\n`,
      );
  } finally {
    await matmul.close();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

async function runZeroShot(options: ZeroShotOptions): Promise<void> {
  if (!options.labels && !options.multilabel)
    throw new UsageError('give the true classes: --labels y.npy, --multilabel Y.npy or both');
  let audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  let labels = options.labels ? asIntVector(await readNpy(options.labels), options.labels) : undefined;
  let targets = options.multilabel ? await readBinaryMatrix(options.multilabel, '--multilabel') : undefined;
  if (labels && labels.length !== audio.rows)
    throw new InvalidInputError(`--labels ${options.labels}: ${labels.length} values for ${audio.rows} audio rows`);
  if (targets && targets.rows !== audio.rows)
    throw new InvalidInputError(
      `--multilabel ${options.multilabel}: ${targets.rows} rows for ${audio.rows} audio rows`,
    );
  if (options.evalMask) {
    const mask = asIntVector(await readNpy(options.evalMask), options.evalMask);
    if (mask.length !== audio.rows)
      throw new InvalidInputError(
        `--eval-mask ${options.evalMask}: ${mask.length} values for ${audio.rows} audio rows`,
      );
    const bad = mask.findIndex((m) => m !== 0 && m !== 1);
    if (bad >= 0)
      throw new InvalidInputError(`--eval-mask ${options.evalMask}: row ${bad} is ${mask[bad]}; the mask holds 0 or 1`);
    const kept = trainingRows(audio, mask);
    if (kept.rows === 0) throw new InvalidInputError(`--eval-mask ${options.evalMask} selects no row`);
    labels = labels?.filter((_, i) => mask[i] === 1);
    if (targets) targets = { ...trainingRows(targets, mask), cols: targets.cols };
    audio = { data: kept.data, rows: kept.rows, cols: audio.cols };
  }
  const prompts = asFloat64Matrix(await readNpy(options.prompts), options.prompts);
  const { space, project, close } = await openEvalSpace(options);
  try {
    const report = await scoreZeroShot({
      space,
      audioNxD: project(audio),
      n: audio.rows,
      promptsKxD: prompts.data,
      k: prompts.rows,
      labelsN: labels,
      multilabelNxK: targets?.data,
      lambda: options.lambda,
      bootstrap: options.bootstrap ? { resamples: options.bootstrap, seed: options.bootstrapSeed } : undefined,
    });
    if (options.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(zeroShotTable(report, options.lambda));
  } finally {
    await close();
  }
}

function zeroShotTable(report: ZeroShotScores, lambda: number): string {
  const line = (label: string, key: keyof ZeroShotScores & string, format: (x: number) => string) => {
    const value = report[key] as number | null | undefined;
    if (value === null || value === undefined) return '';
    const ci = report.ci?.[key];
    return `  ${label.padEnd(18)}${format(value)}${ci ? `  [${format(ci[0])}, ${format(ci[1])}] 95% CI` : ''}\n`;
  };
  const pctOf = (x: number) => `${(100 * x).toFixed(2)}%`;
  return (
    `zero-shot on ${report.n} clips, ${report.concepts} concepts, λ = ${lambda}:\n` +
    line('dense accuracy', 'dense_acc', pctOf) +
    line('concept accuracy', 'concept_acc', pctOf) +
    line('dense macro-F1', 'dense_f1', pctOf) +
    line('concept macro-F1', 'concept_f1', pctOf) +
    line('dense mAP', 'dense_map', pctOf) +
    line('concept mAP', 'concept_map', pctOf) +
    line('mean non-zeros', 'l0_mean', (x) => x.toFixed(1)) +
    line('mean fidelity', 'cos_mean', (x) => x.toFixed(4)).replace(/\n$/, ' (cosine of reconstruction and embedding)\n')
  );
}
