import { Command, Option } from 'commander';
import { ConceptSpace, ProjectionHead, evaluateZeroShot } from '@audio-concepts/decomposer-concepts';
import { UsageError } from '../cli-error';
import { openStoredSpace } from '@audio-concepts/decomposer-service';
import { conceptSpaceStoreDir } from '@audio-concepts/decomposer-concepts';
import { defaultCacheDir } from '@audio-concepts/shared-contracts';
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

interface ZeroShotOptions {
  audio: string;
  labels: string;
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
    new Command('zero-shot')
      .description(
        'Zero-shot classification with the dense embeddings (argmax ⟨L2(e), L2(t_k)⟩) and with their concept ' +
          'reconstructions r (argmax ⟨r, L2(t_k)⟩), plus mean non-zeros and mean fidelity cos(r, L2(e)).',
      )
      .requiredOption('--audio <A.npy>', 'audio embeddings, n × d (`embed AUDIO… --out A.npy`)')
      .requiredOption(
        '--labels <y.npy>',
        'true class of each audio row: int32/int64 indices into the prompts, length n (`embed … --classes`)',
      )
      .requiredOption(
        '--prompts <P.npy>',
        'class prompt embeddings ("This is a sound of {label}."), one row per class, k × d (`embed --labels`)',
      )
      .option(
        '--concepts <T.npy>',
        'raw concept text embeddings, c × d (normalized and centered here; `embed --vocab`)',
      )
      .option('--audio-mean-from <M.npy>', 'reference audio embeddings for the audio mean m_a (default: none, m_a = 0)')
      .option(
        '--space <DIR|ID>',
        'a stored concept space (`space build`) instead of --concepts and --audio-mean-from: its C and m_a',
      )
      .option('--cache-dir <DIR>', 'the store of concept spaces is <DIR>/spaces', defaultCacheDir())
      .requiredOption('--lambda <L>', 'L1 penalty λ', parseLambda)
      .option(
        '--head <DIR>',
        'fine-tuned projection head (train-head --out DIR): decomposes H·L2(e) instead of e, with m_a over the projected --audio-mean-from corpus or else the m_a stored with the head',
      )
      .option(
        '--eval-mask <M.npy>',
        '0/1 per audio row: evaluate the rows with 1 only (e.g. those a head was not trained on: train-head --train-mask)',
      )
      .option('--json', 'print one JSON object: {"n","concepts","dense_acc","concept_acc","l0_mean","cos_mean"}')
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
  let audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  let labels = asIntVector(await readNpy(options.labels), options.labels);
  if (options.evalMask) {
    const mask = asIntVector(await readNpy(options.evalMask), options.evalMask);
    if (mask.length !== audio.rows)
      throw new InvalidInputError(
        `--eval-mask ${options.evalMask}: ${mask.length} values for ${audio.rows} audio rows`,
      );
    const bad = mask.findIndex((m) => m !== 0 && m !== 1);
    if (bad >= 0)
      throw new InvalidInputError(`--eval-mask ${options.evalMask}: row ${bad} is ${mask[bad]}; the mask holds 0 or 1`);
    if (labels.length !== audio.rows)
      throw new InvalidInputError(`--labels ${options.labels}: ${labels.length} values for ${audio.rows} audio rows`);
    const kept = trainingRows(audio, mask);
    if (kept.rows === 0) throw new InvalidInputError(`--eval-mask ${options.evalMask} selects no row`);
    labels = labels.filter((_, i) => mask[i] === 1);
    audio = { data: kept.data, rows: kept.rows, cols: audio.cols };
  }
  const prompts = asFloat64Matrix(await readNpy(options.prompts), options.prompts);
  if (options.space && (options.concepts || options.audioMeanFrom || options.head))
    throw new UsageError(
      '--space replaces --concepts and --audio-mean-from (and its m_a was computed without a --head): give one or the other',
    );
  if (!options.space && !options.concepts)
    throw new UsageError('give the concepts: --concepts T.npy [--audio-mean-from M.npy], or --space DIR|ID');
  const head = options.head ? await ProjectionHead.load(options.head) : undefined;
  const project = (m: { data: Float64Array; rows: number }) => (head ? head.project(m.data, m.rows) : m.data);
  const { space, close } = options.space
    ? await openStoredSpace({
        space: options.space,
        storeDir: conceptSpaceStoreDir(options.cacheDir),
        threads: options.threads,
      })
    : await spaceFromArrays(options.concepts!, options.audioMeanFrom, project, options.threads, head?.audioMeanD);
  if (space.audioMeanSource === 'none')
    process.stderr.write(
      `note: ${options.space ? 'the space has' : 'no --audio-mean-from given:'} audio mean m_a = 0\n`,
    );
  try {
    const report = await evaluateZeroShot({
      space,
      audioNxD: project(audio),
      n: audio.rows,
      promptsKxD: prompts.data,
      k: prompts.rows,
      labelsN: labels,
      lambda: options.lambda,
    });
    if (options.json) process.stdout.write(JSON.stringify(report) + '\n');
    else
      process.stdout.write(
        `zero-shot on ${report.n} clips, ${report.concepts} concepts, λ = ${options.lambda}:\n` +
          `  dense accuracy    ${(100 * report.dense_acc).toFixed(2)}%\n` +
          `  concept accuracy  ${(100 * report.concept_acc).toFixed(2)}%\n` +
          `  mean non-zeros    ${report.l0_mean.toFixed(1)}\n` +
          `  mean fidelity     ${report.cos_mean.toFixed(4)} (cosine of reconstruction and embedding)\n`,
      );
  } finally {
    await close();
  }
}

async function spaceFromArrays(
  conceptsPath: string,
  audioMeanFrom: string | undefined,
  project: (m: { data: Float64Array; rows: number }) => Float64Array,
  threads: number | undefined,
  /** a head's stored m_a, used when no reference corpus is given */
  headAudioMean?: Float64Array | null,
): Promise<{ space: ConceptSpace; close(): Promise<void> }> {
  const concepts = asFloat64Matrix(await readNpy(conceptsPath), conceptsPath);
  const reference = audioMeanFrom ? asFloat64Matrix(await readNpy(audioMeanFrom), audioMeanFrom) : undefined;
  const matmul = await createOrtMatMul({ threads });
  const space = ConceptSpace.build(
    {
      textEmbeddingsCxD: concepts.data,
      d: concepts.cols,
      audioReferenceNxD: reference ? project(reference) : undefined,
      audioMeanD: reference ? undefined : (headAudioMean ?? undefined),
    },
    { matmul, threads },
  );
  return {
    space,
    close: async () => {
      await space.close();
      await matmul.close();
    },
  };
}
