import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ShapeMismatchError } from '@audio-concepts/shared-errors';
import { NonNegativeLasso } from '@audio-concepts/decomposer-lasso';
import { asFloat64Matrix, createNpyRowWriter, openNpyRows, readNpy } from '@audio-concepts/shared-npy';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { readConceptNames } from '../concept-names';
import { UsageError } from '../cli-error';
import { parseLambda, parsePositiveInt, parsePositiveNumber } from '../options';
import { Progress } from '../progress';

interface DecomposeOptions {
  concepts: string;
  embeddings: string;
  lambda: number;
  out?: string;
  objectivesOut?: string;
  raw?: boolean;
  audioMeanFrom?: string;
  conceptNames?: string;
  top: number;
  json?: boolean;
  tol: number;
  threads?: number;
  batch: number;
  maxConcepts?: number;
  lambdasOut?: string;
}

/** Rows read, solved and written per step: bounds memory on inputs of any length. */
const DEFAULT_BATCH = 4096;

export function decomposeCommand(): Command {
  return new Command('decompose')
    .description(
      'Solve min_{w≥0} ‖Cᵀw − z‖² + λ‖w‖₁ for every row z of the embeddings (DESIGN §1). With --raw, C and the rows ' +
        'are used exactly as given; otherwise C is built from raw concept text embeddings (normalized, centered) ' +
        'and each row is normalized and has the audio mean removed first.',
    )
    .requiredOption(
      '--concepts <C.npy>',
      'concept matrix, c × d (with --raw: the dictionary itself; else raw text embeddings, as `embed --vocab` writes)',
    )
    .requiredOption(
      '--embeddings <Z.npy>',
      'embeddings to decompose, n × d (float32 or float64; `embed AUDIO… --out Z.npy` writes them)',
    )
    .requiredOption(
      '--lambda <L>',
      "L1 penalty λ (the paper's; 0.05 keeps ~90 of 2000 concepts, 0.15 ~40)",
      parseLambda,
    )
    .option(
      '--max-concepts <K>',
      'at most K non-zero concepts per row: the best-fitting point of the Lasso path with at most K, λ raised above ' +
        '--lambda as far as each row needs (exact at that λ; --lambdas-out writes it)',
      parsePositiveInt,
    )
    .option(
      '--lambdas-out <L.npy>',
      'write the λ each row was solved at, n float64 (--lambda unless --max-concepts raised it)',
    )
    .option('--out <W.npy>', 'write the weights, n × c float64')
    .option('--objectives-out <F.npy>', "write each row's objective value, n float64")
    .option('--raw', 'use C and the rows as given: no normalizing, no centering')
    .option(
      '--audio-mean-from <M.npy>',
      'without --raw: reference audio embeddings whose normalized mean is removed (default: none, m_a = 0)',
    )
    .option(
      '--concept-names <FILE>',
      "one concept name per line, to print each row's top concepts (`embed --vocab` writes <out>.names.txt)",
    )
    .option('--top <K>', 'concepts printed per row with --concept-names', parsePositiveInt, 5)
    .option(
      '--json',
      'print one JSON object: {"n","c","d","lambda","l0_mean","objective_mean","objective_max","samples_per_s"} ' +
        '(with --max-concepts also "max_concepts", "l0_max" and "lambda_mean", the mean λ the rows were solved at); ' +
        'with --concept-names, first one line per row: {"row","concepts":[{"label","weight"}],"l0","objective"} ' +
        '(and "lambda" with --max-concepts)',
    )
    .addOption(
      new Option('--tol <T>', 'duality-gap tolerance, relative to ‖z‖²').default(1e-6).argParser(parsePositiveNumber),
    )
    .addOption(new Option('--threads <N>', 'solver and GEMM threads (default: all cores)').argParser(parsePositiveInt))
    .addOption(new Option('--batch <N>', 'rows per batch').default(DEFAULT_BATCH).argParser(parsePositiveInt))
    .action(async (options: DecomposeOptions) => runDecompose(options));
}

async function runDecompose(options: DecomposeOptions): Promise<void> {
  if (options.raw && options.audioMeanFrom)
    throw new UsageError('--audio-mean-from has no effect with --raw (rows are used as given)');
  const outputs = [options.out, options.objectivesOut, options.lambdasOut].filter((f) => f !== undefined);
  if (new Set(outputs.map((f) => resolve(f))).size < outputs.length)
    throw new UsageError(`--out, --objectives-out and --lambdas-out name the same file; give one path each`);
  const started = performance.now();
  const concepts = asFloat64Matrix(await readNpy(options.concepts), options.concepts);
  const rows = await openNpyRows(options.embeddings, { rowsPerChunk: options.batch });
  const [n, d] = rows.shape.length === 2 ? rows.shape : [rows.shape[0], 1];
  if (rows.shape.length !== 2)
    throw new ShapeMismatchError(
      `${options.embeddings}: expected a 2-D array [n, d], got shape [${rows.shape.join(', ')}]`,
      ['n', 'd'],
      rows.shape,
    );
  if (d !== concepts.cols)
    throw new ShapeMismatchError(
      `${options.embeddings} has shape [${n}, ${d}] but ${options.concepts} has shape [${concepts.rows}, ${concepts.cols}]: embedding dimension ${d} ≠ concept dimension ${concepts.cols}`,
      [n, concepts.cols],
      [n, d],
    );
  const c = concepts.rows;
  const names = options.conceptNames ? await readConceptNames(options.conceptNames, c) : undefined;

  let space: ConceptSpace | undefined;
  let dictionary: Float64Array = concepts.data;
  if (!options.raw) {
    const reference = options.audioMeanFrom
      ? asFloat64Matrix(await readNpy(options.audioMeanFrom), options.audioMeanFrom)
      : undefined;
    space = ConceptSpace.build({ names, textEmbeddingsCxD: concepts.data, d, audioReferenceNxD: reference?.data });
    if (space.audioMeanSource === 'none')
      process.stderr.write('note: no --audio-mean-from given: audio mean m_a = 0\n');
    dictionary = Float64Array.from(space.dictionaryCxD);
  }

  const matmul = await createOrtMatMul({ threads: options.threads });
  const solver = await NonNegativeLasso.create(dictionary, c, d, { threads: options.threads, matmul });
  const { kernels } = solver;
  const writer = options.out ? await createNpyRowWriter(options.out, 'float64', [n, c]) : undefined;
  const objectivesWriter = options.objectivesOut
    ? await createNpyRowWriter(options.objectivesOut, 'float64', [n]).catch(async (error: unknown) => {
        await writer?.abort();
        throw error;
      })
    : undefined;
  const lambdasWriter = options.lambdasOut
    ? await createNpyRowWriter(options.lambdasOut, 'float64', [n]).catch(async (error: unknown) => {
        await writer?.abort();
        await objectivesWriter?.abort();
        throw error;
      })
    : undefined;
  // The summary holds no per-row array, which would grow with n: rows are lines of their own (--concept-names).
  let objectiveSum = 0;
  let objectiveMax = 0;
  let l0Sum = 0;
  let unconverged = 0;
  let lambdaSum = 0;
  let l0Max = 0;
  const progress = new Progress('decompose', n, !options.json && n > options.batch);
  try {
    for await (const chunk of rows) {
      const batch = asFloat64Matrix(chunk.rows, options.embeddings);
      const z = space ? space.transform(batch.data, batch.rows) : batch.data;
      const result = await solver.solve(z, batch.rows, d, {
        lambda: options.lambda,
        tol: options.tol,
        maxConcepts: options.maxConcepts,
      });
      await writer?.write(result.weights);
      await objectivesWriter?.write(result.objective.subarray(0, result.n));
      await lambdasWriter?.write(result.lambdas.subarray(0, result.n));
      for (let i = 0; i < result.n; i++) {
        objectiveSum += result.objective[i];
        objectiveMax = Math.max(objectiveMax, result.objective[i]);
        l0Sum += result.l0[i];
        l0Max = Math.max(l0Max, result.l0[i]);
        lambdaSum += result.lambdas[i];
        if (!result.converged[i]) unconverged++;
        if (names) {
          const top = topConcepts(result.weights.subarray(i * c, (i + 1) * c), names, options.top);
          const row = chunk.rowStart + i;
          process.stdout.write(
            options.json
              ? `${JSON.stringify({ row, concepts: top, l0: result.l0[i], objective: result.objective[i], ...(options.maxConcepts ? { lambda: result.lambdas[i] } : {}) })}\n`
              : `${row}: ${top.length > 0 ? top.map((t) => `${t.label} ${t.weight.toFixed(3)}`).join(', ') : '(no concept)'}\n`,
          );
        }
      }
      progress.update(chunk.rowStart + batch.rows);
    }
    await writer?.close();
    await objectivesWriter?.close();
    await lambdasWriter?.close();
  } catch (error) {
    await writer?.abort();
    await objectivesWriter?.abort();
    await lambdasWriter?.abort();
    throw error;
  } finally {
    await solver.close();
    await matmul.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const samplesPerS = n / seconds;
  if (unconverged > 0)
    process.stderr.write(
      `warning: ${unconverged} of ${n} rows did not reach the duality-gap tolerance ${options.tol}\n`,
    );
  const l0Mean = n > 0 ? l0Sum / n : 0;
  if (options.json) {
    process.stdout.write(
      JSON.stringify({
        n,
        c,
        d,
        lambda: options.lambda,
        l0_mean: l0Mean,
        objective_mean: n > 0 ? objectiveSum / n : 0,
        objective_max: objectiveMax,
        samples_per_s: round(samplesPerS, 1),
        ...(options.maxConcepts
          ? { max_concepts: options.maxConcepts, l0_max: l0Max, lambda_mean: n > 0 ? lambdaSum / n : options.lambda }
          : {}),
      }) + '\n',
    );
  } else {
    process.stdout.write(
      `decomposed ${n} embeddings over ${c} concepts (d = ${d}, λ = ${options.lambda}) in ${seconds.toFixed(2)} s ` +
        `(${samplesPerS.toFixed(0)} samples/s, ${kernels} kernels); mean non-zeros ${l0Mean.toFixed(1)}` +
        (options.maxConcepts
          ? ` (at most ${options.maxConcepts}: mean λ ${(n > 0 ? lambdaSum / n : options.lambda).toPrecision(4)})`
          : '') +
        (options.out ? `; weights written to ${options.out}` : '') +
        (options.objectivesOut ? `; objectives written to ${options.objectivesOut}` : '') +
        (options.lambdasOut ? `; λ per row written to ${options.lambdasOut}` : '') +
        '\n',
    );
  }
}

/** The `k` largest non-zero weights of a row, largest first. */
function topConcepts(weights: Float64Array, names: string[], k: number): { label: string; weight: number }[] {
  return Array.from(weights.keys())
    .filter((j) => weights[j] > 0)
    .sort((a, b) => weights[b] - weights[a])
    .slice(0, k)
    .map((j) => ({ label: names[j], weight: weights[j] }));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
