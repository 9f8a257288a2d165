import { Command } from 'commander';
import { l2NormalizeRows } from '@audio-concepts/decomposer-concepts';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import {
  BOOTSTRAP_DEFAULTS,
  mergeRetrievalPerQuery,
  relevanceFromPairs,
  retrievalIntervals,
  retrievalPerQuery,
  summarizeRetrieval,
  type Interval,
  type RetrievalPerQuery,
} from '@audio-concepts/evaluation-metrics';
import type { MatMul } from '@audio-concepts/decomposer-lasso';
import { InvalidInputError, ShapeMismatchError } from '@audio-concepts/shared-errors';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { parseInteger, parseLambda, parsePositiveInt } from '../../options';
import { openEvalSpace, withSpaceOptions } from './eval-space';
import { readPairs } from './npy-inputs';

interface RetrievalOptions {
  audio: string;
  captions: string;
  pairs: string;
  concepts?: string;
  audioMeanFrom?: string;
  space?: string;
  cacheDir: string;
  lambda: number;
  head?: string;
  bootstrap?: number;
  bootstrapSeed: number;
  json?: boolean;
  threads?: number;
}

/** The four figures of one direction and representation, as `--json` prints them. */
interface RetrievalFigures {
  r1: number;
  r5: number;
  r10: number;
  map10: number;
}

type Representation = 'dense' | 'concept';
type Direction = 'audio_to_text' | 'text_to_audio';

/** Rows of queries scored at once: bounds the similarity block to about 4 M float64 values (32 MB). */
const BLOCK_VALUES = 4_000_000;

export function retrievalCommand(): Command {
  return withSpaceOptions(
    new Command('retrieval')
      .description(
        'Audio–text retrieval (DESIGN §1) in both directions with the dense embeddings (cosine of L2(e), or of ' +
          'H·L2(e) with --head, and L2(caption)) and with their concept reconstructions r: R@1, R@5, R@10 (fraction ' +
          'of queries with a relevant item in the top K) and mAP@10 (AP@10 = Σ_{k≤10} P@k·rel_k / min(#relevant, 10)). ' +
          'Tied scores rank irrelevant items first; queries with no relevant item are left out (counted on stderr).',
      )
      .requiredOption('--audio <A.npy>', 'audio embeddings, n_audio × d (`embed AUDIO… --out A.npy`)')
      .requiredOption('--captions <K.npy>', 'caption text embeddings, n_captions × d (`embed --text FILE --out K.npy`)')
      .requiredOption(
        '--pairs <PAIRS.npy>',
        'relevance: P × 2 integers, (audio row, caption row) per pair; several captions per clip allowed',
      ),
  )
    .requiredOption('--lambda <L>', 'L1 penalty λ', parseLambda)
    .option(
      '--head <DIR>',
      'fine-tuned projection head (train-head --out DIR): H·L2(e) replaces e for the dense and the concept figures',
    )
    .option(
      '--bootstrap <N>',
      'add 95% percentile bootstrap intervals from N resamples of the queries (cheap: per-query values are reused)',
      parsePositiveInt,
    )
    .option('--bootstrap-seed <S>', 'seed of the bootstrap resampling', parseInteger, BOOTSTRAP_DEFAULTS.seed)
    .option(
      '--json',
      'print one JSON object: {"n_audio","n_captions","audio_to_text":{"dense":{"r1","r5","r10","map10"},' +
        '"concept":{…}},"text_to_audio":{…},"l0_mean"} (+ "ci", the same shape with [lo, hi], with --bootstrap)',
    )
    .option('--threads <N>', 'solver and GEMM threads (default: all cores)', parsePositiveInt)
    .exitOverride()
    .action(async (options: RetrievalOptions) => runRetrieval(options));
}

async function runRetrieval(options: RetrievalOptions): Promise<void> {
  const audio = asFloat64Matrix(await readNpy(options.audio), options.audio);
  const captions = asFloat64Matrix(await readNpy(options.captions), options.captions);
  if (captions.cols !== audio.cols)
    throw new ShapeMismatchError(
      `--captions ${options.captions} has d = ${captions.cols}, the audio embeddings d = ${audio.cols}`,
      [captions.rows, audio.cols],
      [captions.rows, captions.cols],
    );
  if (audio.rows === 0 || captions.rows === 0)
    throw new InvalidInputError(`nothing to retrieve: ${audio.rows} audio rows and ${captions.rows} captions`);
  const relevance = relevanceFromPairs(await readPairs(options.pairs, '--pairs'), audio.rows, captions.rows, [
    'audio',
    'caption',
  ]);
  const { space, project, close } = await openEvalSpace(options);
  const matmul = await createOrtMatMul({ threads: options.threads });
  try {
    const dense = l2NormalizeRows(project(audio), audio.rows, audio.cols, 'audio embeddings');
    const text = l2NormalizeRows(captions.data, captions.rows, captions.cols, 'caption embeddings');
    process.stderr.write(`decomposing ${audio.rows} audio rows over ${space.c} concepts (λ = ${options.lambda})…\n`);
    const decomposition = await space.decompose(dense, audio.rows, { lambda: options.lambda });
    const reps: Record<Representation, Float64Array> = { dense, concept: decomposition.reconstructionsNxD };
    const d = audio.cols;
    const perQuery = {} as Record<Direction, Record<Representation, RetrievalPerQuery>>;
    for (const direction of ['audio_to_text', 'text_to_audio'] as Direction[]) {
      perQuery[direction] = {} as Record<Representation, RetrievalPerQuery>;
      for (const rep of ['dense', 'concept'] as Representation[]) {
        const audioSide = { data: reps[rep], rows: audio.rows, cols: d };
        const textSide = { data: text, rows: captions.rows, cols: d };
        perQuery[direction][rep] =
          direction === 'audio_to_text'
            ? await rankInBlocks(matmul, audioSide, textSide, relevance.firstToSecond)
            : await rankInBlocks(matmul, textSide, audioSide, relevance.secondToFirst);
      }
    }
    noteSkipped(perQuery.audio_to_text.dense, 'audio rows have no caption', 'audio→text');
    noteSkipped(perQuery.text_to_audio.dense, 'captions have no audio row', 'text→audio');
    const l0Mean = decomposition.l0.reduce((s, x) => s + x, 0) / audio.rows;
    const report = {
      n_audio: audio.rows,
      n_captions: captions.rows,
      audio_to_text: mapReps(perQuery.audio_to_text, figuresOf),
      text_to_audio: mapReps(perQuery.text_to_audio, figuresOf),
      l0_mean: l0Mean,
    };
    const ci = options.bootstrap
      ? {
          audio_to_text: mapReps(perQuery.audio_to_text, (p) => intervalsOf(p, options)),
          text_to_audio: mapReps(perQuery.text_to_audio, (p) => intervalsOf(p, options)),
        }
      : undefined;
    if (options.json) process.stdout.write(JSON.stringify(ci ? { ...report, ci } : report) + '\n');
    else process.stdout.write(retrievalTable(report, ci, space.c, options.lambda));
  } finally {
    await matmul.close();
    await close();
  }
}

/** Cosines of unit query rows with unit item rows, a block of queries at a time, ranked per query. */
export async function rankInBlocks(
  matmul: MatMul,
  queries: { data: Float64Array; rows: number; cols: number },
  items: { data: Float64Array; rows: number; cols: number },
  relevantByQuery: number[][],
): Promise<RetrievalPerQuery> {
  const d = queries.cols;
  const block = Math.max(1, Math.floor(BLOCK_VALUES / items.rows));
  const parts: RetrievalPerQuery[] = [];
  for (let first = 0; first < queries.rows; first += block) {
    const rows = Math.min(block, queries.rows - first);
    const slice = { data: queries.data.subarray(first * d, (first + rows) * d), rows, cols: d };
    const similarity = await matmul.abt(slice, items);
    parts.push(
      retrievalPerQuery(similarity.data, rows, items.rows, relevantByQuery.slice(first, first + rows), {
        firstQuery: first,
      }),
    );
  }
  const merged = mergeRetrievalPerQuery(parts);
  if (merged.queries.length === 0)
    throw new InvalidInputError('no query has a relevant item: --pairs links no audio row to a caption');
  return merged;
}

export function figuresOf(perQuery: RetrievalPerQuery): RetrievalFigures {
  const summary = summarizeRetrieval(perQuery);
  return {
    r1: summary.recallAt.get(1)!,
    r5: summary.recallAt.get(5)!,
    r10: summary.recallAt.get(10)!,
    map10: summary.map,
  };
}

function intervalsOf(perQuery: RetrievalPerQuery, options: RetrievalOptions): Record<keyof RetrievalFigures, Interval> {
  const ci = retrievalIntervals(perQuery, { resamples: options.bootstrap!, seed: options.bootstrapSeed });
  return { r1: ci.recallAt.get(1)!, r5: ci.recallAt.get(5)!, r10: ci.recallAt.get(10)!, map10: ci.map };
}

function mapReps<T>(
  byRep: Record<Representation, RetrievalPerQuery>,
  f: (p: RetrievalPerQuery) => T,
): Record<Representation, T> {
  return { dense: f(byRep.dense), concept: f(byRep.concept) };
}

function noteSkipped(perQuery: RetrievalPerQuery, what: string, direction: string): void {
  const skipped = perQuery.total - perQuery.queries.length;
  if (skipped > 0) process.stderr.write(`note: ${skipped} ${what}: left out of ${direction}\n`);
}

function retrievalTable(
  report: {
    n_audio: number;
    n_captions: number;
    audio_to_text: Record<Representation, RetrievalFigures>;
    text_to_audio: Record<Representation, RetrievalFigures>;
    l0_mean: number;
  },
  ci: Record<Direction, Record<Representation, Record<keyof RetrievalFigures, Interval>>> | undefined,
  concepts: number,
  lambda: number,
): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const keys: (keyof RetrievalFigures)[] = ['r1', 'r5', 'r10', 'map10'];
  const lines = [
    `retrieval: ${report.n_audio} clips, ${report.n_captions} captions, ${concepts} concepts, λ = ${lambda}:`,
    `  ${'direction'.padEnd(14)}${'representation'.padEnd(16)}${['R@1', 'R@5', 'R@10', 'mAP@10'].map((h) => h.padStart(9)).join('')}`,
  ];
  for (const direction of ['audio_to_text', 'text_to_audio'] as Direction[])
    for (const rep of ['dense', 'concept'] as Representation[]) {
      const label = direction === 'audio_to_text' ? 'audio→text' : 'text→audio';
      const figures = report[direction][rep];
      lines.push(`  ${label.padEnd(14)}${rep.padEnd(16)}${keys.map((k) => pct(figures[k]).padStart(9)).join('')}`);
      if (ci)
        lines.push(
          `  ${''.padEnd(30)}95% CI ${keys.map((k) => `[${pct(ci[direction][rep][k][0])}, ${pct(ci[direction][rep][k][1])}]`).join(' ')}`,
        );
    }
  lines.push(`  mean non-zeros ${report.l0_mean.toFixed(1)}`);
  return lines.join('\n') + '\n';
}
