import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command } from 'commander';
import {
  PAPER_LAMBDAS,
  checkedLambdas,
  l2NormalizeRows,
  predictByPrompts,
  sweepLambdas,
  type ConceptDecomposition,
} from '@audio-concepts/decomposer-concepts';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import type { MatMul } from '@audio-concepts/decomposer-lasso';
import { relevanceFromPairs } from '@audio-concepts/evaluation-metrics';
import { lineChartsSvg } from '@audio-concepts/shared-plots';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, asIntVector, readNpy, type Float64Matrix } from '@audio-concepts/shared-npy';
import { UsageError } from '../../cli-error';
import { parsePositiveInt } from '../../options';
import { spaceFromArrays } from './eval-space';
import { readPairs } from './npy-inputs';
import { figuresOf, rankInBlocks } from './retrieval.command';

interface SweepOptions {
  audio: string;
  labels?: string;
  prompts?: string;
  captions?: string;
  pairs?: string;
  concepts: string[];
  audioMeanFrom?: string;
  lambdas: number[];
  csv?: string;
  svg?: string;
  timeCold?: boolean;
  json?: boolean;
  threads?: number;
}

/** One row of the sweep's table, CSV and JSON. */
interface SweepRow {
  concepts: string;
  lambda: number;
  /** concept accuracy (zero-shot) or concept audio→text R@1 (retrieval) */
  value: number;
  l0_mean: number;
  cos_mean: number;
  seconds: number;
  cold_seconds?: number;
}

/** What a sweep scores at each λ: the figure of a decomposition of the audio rows, and the dense one for reference. */
interface SweepTask {
  name: 'zero-shot' | 'retrieval';
  metric: 'accuracy' | 'r1';
  dense(audio: Float64Matrix): Promise<number>;
  concept(decomposition: ConceptDecomposition): Promise<number>;
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description(
      "The same evaluation over a grid of λ (the paper's Figures 4–8): zero-shot accuracy (--labels, --prompts) or " +
        'audio→text R@1 (--captions, --pairs) of the concept reconstructions, mean non-zeros and mean fidelity ' +
        'against λ, for one or more concept sets. Each λ starts from the solutions at the previous (larger) one ' +
        '(a warm start); every point is the exact optimum, as a separate run gives.',
    )
    .requiredOption('--audio <A.npy>', 'audio embeddings, n × d')
    .option('--labels <y.npy>', 'zero-shot: class of each audio row, an index into the prompts')
    .option('--prompts <P.npy>', 'zero-shot: one prompt embedding per class, k × d')
    .option('--captions <K.npy>', 'retrieval: caption embeddings, m × d')
    .option('--pairs <PAIRS.npy>', 'retrieval: (audio row, caption row) pairs, P × 2 integers')
    .requiredOption(
      '--concepts <T.npy...>',
      'raw concept text embeddings, c × d; several files: one line per concept set (named by file name)',
    )
    .option('--audio-mean-from <M.npy>', 'reference audio embeddings for the audio mean m_a (default: none, m_a = 0)')
    .option('--lambdas <L,L,…>', `the λ grid (default the paper's: ${PAPER_LAMBDAS.join(',')})`, parseLambdaList, [
      ...PAPER_LAMBDAS,
    ])
    .option('--csv <FILE>', 'write the table as CSV: concepts,lambda,<metric>,l0_mean,cos_mean,seconds[,cold_seconds]')
    .option('--svg <FILE>', 'write the figure: the metric (with the dense figure), mean L0 and mean cosine against λ')
    .option('--time-cold', 'also solve every λ from scratch and print its time next to the warm-started one')
    .option(
      '--json',
      'print one JSON object: {"task","metric","n","dense","points":[{"concepts","lambda","value","l0_mean",' +
        '"cos_mean","seconds","cold_seconds"?}],"seconds","cold_seconds"?}',
    )
    .option('--threads <N>', 'solver and GEMM threads (default: all cores)', parsePositiveInt)
    .exitOverride()
    .action(async (options: SweepOptions) => runSweep(options));
}

function parseLambdaList(value: string): number[] {
  const lambdas = value.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (lambdas.some((l) => !Number.isFinite(l) || l < 0))
    throw new UsageError(`--lambdas ${value}: expected numbers ≥ 0 separated by commas, e.g. 0.01,0.05,0.1`);
  return checkedLambdas(lambdas);
}

async function runSweep(options: SweepOptions): Promise<void> {
  const audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  const lambdas = checkedLambdas(options.lambdas);
  const names = seriesNames(options.concepts);
  const matmul = await createOrtMatMul({ threads: options.threads });
  try {
    const task = await openTask(options, audio, matmul);
    const dense = await task.dense(audio);
    const rows: SweepRow[] = [];
    for (const [index, file] of options.concepts.entries()) {
      const { space, close } = await spaceFromArrays(file, options.audioMeanFrom, (m) => m.data, options.threads);
      try {
        if (space.d !== audio.cols)
          throw new ShapeMismatchError(
            `--concepts ${file} has d = ${space.d}, the audio embeddings d = ${audio.cols}`,
            [space.c, audio.cols],
            [space.c, space.d],
          );
        const points = await sweepLambdas({
          space,
          embeddingsNxD: audio.data,
          n: audio.rows,
          lambdas,
          timeCold: options.timeCold,
          onLambda: (point, i, total) =>
            process.stderr.write(
              `${names[index]}: λ = ${point.lambda} (${i + 1}/${total}), mean non-zeros ${point.l0Mean.toFixed(1)}, ` +
                `${point.seconds.toFixed(2)} s\n`,
            ),
        });
        for (const point of points)
          rows.push({
            concepts: names[index],
            lambda: point.lambda,
            value: await task.concept(point.decomposition),
            l0_mean: point.l0Mean,
            cos_mean: point.cosineMean,
            seconds: point.seconds,
            ...(point.coldSeconds === undefined ? {} : { cold_seconds: point.coldSeconds }),
          });
      } finally {
        await close();
      }
    }
    const seconds = rows.reduce((s, r) => s + r.seconds, 0);
    const coldSeconds = options.timeCold ? rows.reduce((s, r) => s + (r.cold_seconds ?? 0), 0) : undefined;
    if (options.csv) await writeFile(options.csv, sweepCsv(rows, task.metric));
    if (options.svg) await writeFile(options.svg, await sweepSvg(rows, task, dense));
    if (options.json)
      process.stdout.write(
        JSON.stringify({
          task: task.name,
          metric: task.metric,
          n: audio.rows,
          dense,
          points: rows,
          seconds,
          ...(coldSeconds === undefined ? {} : { cold_seconds: coldSeconds }),
        }) + '\n',
      );
    else process.stdout.write(sweepTable(rows, task, dense, seconds, coldSeconds));
  } finally {
    await matmul.close();
  }
}

/** File names without .npy, made unique with a suffix where two are the same. */
function seriesNames(files: string[]): string[] {
  const names = files.map((f) => basename(f).replace(/\.npy$/i, ''));
  return names.map((name, i) => (names.indexOf(name) === i ? name : `${name} (${i + 1})`));
}

async function openTask(options: SweepOptions, audio: Float64Matrix, matmul: MatMul): Promise<SweepTask> {
  const zeroShot = options.labels !== undefined || options.prompts !== undefined;
  const retrieval = options.captions !== undefined || options.pairs !== undefined;
  if (zeroShot === retrieval)
    throw new UsageError(
      'say what to evaluate: --labels and --prompts (zero-shot), or --captions and --pairs (retrieval)',
    );
  if (zeroShot) {
    if (!options.labels || !options.prompts) throw new UsageError('zero-shot needs both --labels and --prompts');
    return zeroShotTask(options.labels, options.prompts, audio);
  }
  if (!options.captions || !options.pairs) throw new UsageError('retrieval needs both --captions and --pairs');
  return retrievalTask(options.captions, options.pairs, audio, matmul);
}

async function zeroShotTask(labelsFile: string, promptsFile: string, audio: Float64Matrix): Promise<SweepTask> {
  const labels = asIntVector(await readNpy(labelsFile), labelsFile);
  const prompts = asFloat64Matrix(await readNpy(promptsFile), promptsFile);
  if (labels.length !== audio.rows)
    throw new InvalidInputError(`--labels ${labelsFile}: ${labels.length} values for ${audio.rows} audio rows`);
  const bad = labels.findIndex((y) => y < 0 || y >= prompts.rows);
  if (bad >= 0)
    throw new InvalidInputError(
      `--labels ${labelsFile}: row ${bad} is ${labels[bad]}, but there are ${prompts.rows} prompts (0…${prompts.rows - 1})`,
    );
  const accuracy = (predictions: Int32Array) => predictions.filter((p, i) => p === labels[i]).length / labels.length;
  const predict = (rows: ArrayLike<number>) =>
    predictByPrompts(rows, audio.rows, prompts.data, prompts.rows, audio.cols);
  return {
    name: 'zero-shot',
    metric: 'accuracy',
    dense: async (a) => accuracy(predict(a.data)),
    concept: async (decomposition) => accuracy(predict(decomposition.reconstructionsNxD)),
  };
}

async function retrievalTask(
  captionsFile: string,
  pairsFile: string,
  audio: Float64Matrix,
  matmul: MatMul,
): Promise<SweepTask> {
  const captions = asFloat64Matrix(await readNpy(captionsFile), captionsFile);
  if (captions.cols !== audio.cols)
    throw new ShapeMismatchError(
      `--captions ${captionsFile} has d = ${captions.cols}, the audio embeddings d = ${audio.cols}`,
      [captions.rows, audio.cols],
      [captions.rows, captions.cols],
    );
  const relevance = relevanceFromPairs(await readPairs(pairsFile, '--pairs'), audio.rows, captions.rows, [
    'audio',
    'caption',
  ]);
  const text = {
    data: l2NormalizeRows(captions.data, captions.rows, captions.cols, 'captions'),
    rows: captions.rows,
    cols: captions.cols,
  };
  const r1 = async (rows: Float64Array) =>
    figuresOf(
      await rankInBlocks(matmul, { data: rows, rows: audio.rows, cols: audio.cols }, text, relevance.firstToSecond),
    ).r1;
  return {
    name: 'retrieval',
    metric: 'r1',
    dense: (a) => r1(l2NormalizeRows(a.data, a.rows, a.cols, 'audio embeddings')),
    concept: (decomposition) => r1(decomposition.reconstructionsNxD),
  };
}

function sweepCsv(rows: SweepRow[], metric: string): string {
  const cold = rows.some((r) => r.cold_seconds !== undefined);
  const header = ['concepts', 'lambda', metric, 'l0_mean', 'cos_mean', 'seconds', ...(cold ? ['cold_seconds'] : [])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [quote(r.concepts), r.lambda, r.value, r.l0_mean, r.cos_mean, r.seconds, ...(cold ? [r.cold_seconds] : [])].join(
      ',',
    ),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

async function sweepSvg(rows: SweepRow[], task: SweepTask, dense: number): Promise<string> {
  const sets = [...new Set(rows.map((r) => r.concepts))];
  const series = (y: (r: SweepRow) => number) =>
    sets.map((name) => ({
      name,
      points: rows.filter((r) => r.concepts === name).map((r) => ({ x: r.lambda, y: y(r) })),
    }));
  const lambdas = [...new Set(rows.map((r) => r.lambda))];
  const metricLabel = task.metric === 'accuracy' ? 'zero-shot accuracy' : 'audio→text R@1';
  const x = { label: 'λ', log: lambdas.every((l) => l > 0) };
  return lineChartsSvg([
    {
      title: `${metricLabel} against λ`,
      x,
      y: { label: metricLabel, domain: [0, 1] },
      series: [
        ...series((r) => r.value),
        { name: 'dense', reference: true, points: lambdas.map((l) => ({ x: l, y: dense })) },
      ],
    },
    { title: 'mean non-zero concepts against λ', x, y: { label: 'mean L0' }, series: series((r) => r.l0_mean) },
    { title: 'mean fidelity against λ', x, y: { label: 'mean cos(r, e)' }, series: series((r) => r.cos_mean) },
  ]);
}

function sweepTable(rows: SweepRow[], task: SweepTask, dense: number, seconds: number, coldSeconds?: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const metric = task.metric === 'accuracy' ? 'accuracy' : 'R@1';
  const width = Math.max(8, ...rows.map((r) => r.concepts.length));
  const cold = coldSeconds !== undefined;
  const lines = [
    `${task.name} sweep over ${new Set(rows.map((r) => r.lambda)).size} values of λ; dense ${metric} ${pct(dense)}`,
    `  ${'concepts'.padEnd(width)} ${'λ'.padStart(7)} ${metric.padStart(9)} ${'mean L0'.padStart(8)} ${'mean cos'.padStart(9)} ${'s'.padStart(7)}${cold ? ` ${'cold s'.padStart(7)}` : ''}`,
    ...rows.map(
      (r) =>
        `  ${r.concepts.padEnd(width)} ${String(r.lambda).padStart(7)} ${pct(r.value).padStart(9)} ${r.l0_mean.toFixed(1).padStart(8)} ` +
        `${r.cos_mean.toFixed(4).padStart(9)} ${r.seconds.toFixed(2).padStart(7)}${cold ? ` ${r.cold_seconds!.toFixed(2).padStart(7)}` : ''}`,
    ),
    `  solving: ${seconds.toFixed(2)} s warm-started` +
      (cold
        ? `, ${coldSeconds.toFixed(2)} s from scratch (${(coldSeconds / Math.max(seconds, 1e-9)).toFixed(2)}×)`
        : ''),
  ];
  return lines.join('\n') + '\n';
}
