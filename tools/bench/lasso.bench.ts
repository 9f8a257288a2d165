/**
 * npm run bench:lasso — throughput of the batched non-negative Lasso on the paper's shape
 * (d = 512, c = 2000 concepts, 1024 embeddings, λ = 0.05, ~80 non-zeros per row), side by side with
 * scikit-learn's per-sample Lasso (the paper's and SpLiCE's solver) on the same problem when python3 with
 * numpy and scikit-learn is available.
 *
 * Environment: BENCH_D (512), BENCH_C (2000), BENCH_N (1024), BENCH_LAMBDA (0.05), BENCH_RUNS (3),
 * BENCH_SKLEARN_N (rows timed with scikit-learn, 40), BENCH_THREADS (all cores); AUDIO_CONCEPTS_LASSO_KERNELS
 * (native or webassembly; default native where built) picks the solver's kernels.
 * The problem comes from tools/reference/perf_problem.py (numpy); without python it is generated here by the
 * same recipe, and no scikit-learn figure is printed.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NonNegativeLasso,
  checkOptimality,
  describeKernelBackend,
  resolveKernelBackend,
} from '@audio-concepts/decomposer-lasso';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { generateProblem, perfProblem } from './lasso-problem';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const d = env('BENCH_D', 512);
const c = env('BENCH_C', 2000);
const n = env('BENCH_N', 1024);
const lambda = env('BENCH_LAMBDA', 0.05);
const runs = env('BENCH_RUNS', 3);
const sklearnRows = env('BENCH_SKLEARN_N', 40);
const threads = env('BENCH_THREADS', availableParallelism());

interface Reference {
  sklearnSamplesPerS?: number;
  sklearnWeights?: string;
}

function makeProblem(dir: string): Reference {
  const made = perfProblem(dir, { d, c, n, lambda, sklearnRows });
  if ('summary' in made)
    return { sklearnSamplesPerS: made.summary.sklearn_samples_per_s, sklearnWeights: join(dir, 'W_sklearn.npy') };
  console.log(`scikit-learn reference unavailable (${made.failed}); generating the problem in TypeScript`);
  return {};
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lasso-'));
  mkdirSync(dir, { recursive: true });
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
  );
  console.log(`problem: d = ${d}, c = ${c}, n = ${n}, λ = ${lambda}; solver threads ${threads}`);
  console.log(`solver kernels: ${describeKernelBackend(resolveKernelBackend())}`);
  const reference = makeProblem(dir);
  if (!existsSync(join(dir, 'C.npy'))) await generateProblem(dir, { d, c, n });

  const perRun: number[] = [];
  let lastWeights: Float64Array | undefined;
  let C: Float64Array | undefined;
  let Z: Float64Array | undefined;
  for (let run = 1; run <= runs; run++) {
    // Everything a user pays for is inside the timer: reading the arrays, the Gram matrix, C·z, the solves.
    const t0 = performance.now();
    const concepts = asFloat64Matrix(await readNpy(join(dir, 'C.npy')), 'C');
    const embeddings = asFloat64Matrix(await readNpy(join(dir, 'Z.npy')), 'Z');
    const matmul = await createOrtMatMul({ threads });
    const t1 = performance.now();
    const solver = await NonNegativeLasso.create(concepts.data, c, d, { threads, matmul });
    const t2 = performance.now();
    const result = await solver.solve(embeddings.data, n, d, { lambda });
    const t3 = performance.now();
    await solver.close();
    await matmul.close();
    const seconds = (t3 - t0) / 1000;
    perRun.push(n / seconds);
    const l0 = result.l0.reduce((a, b) => a + b, 0) / n;
    const converged = result.converged.reduce((a, b) => a + b, 0);
    console.log(
      `run ${run}: ${(n / seconds).toFixed(0)} samples/s (${(seconds * 1000).toFixed(0)} ms: load ${(t1 - t0).toFixed(0)}, ` +
        `Gram + threads ${(t2 - t1).toFixed(0)}, C·z + solve ${(t3 - t2).toFixed(0)}); mean l0 ${l0.toFixed(1)}; converged ${converged}/${n}`,
    );
    lastWeights = result.weights;
    C = concepts.data;
    Z = embeddings.data;
  }
  const median = [...perRun].sort((a, b) => a - b)[Math.floor(perRun.length / 2)];
  console.log(`audio-concepts: median ${median.toFixed(0)} samples/s over ${runs} runs (whole run incl. set-up)`);

  if (reference.sklearnSamplesPerS && reference.sklearnWeights && lastWeights && C && Z) {
    const sk = asFloat64Matrix(await readNpy(reference.sklearnWeights), 'W_sklearn');
    let worst = -Infinity;
    for (let i = 0; i < sk.rows; i++) {
      const ours = checkOptimality(
        C,
        c,
        d,
        Z.subarray(i * d, (i + 1) * d),
        lastWeights.subarray(i * c, (i + 1) * c),
        lambda,
      );
      const theirs = checkOptimality(
        C,
        c,
        d,
        Z.subarray(i * d, (i + 1) * d),
        sk.data.subarray(i * c, (i + 1) * c),
        lambda,
      );
      worst = Math.max(worst, (ours.objective - theirs.objective) / theirs.objective);
    }
    console.log(
      `scikit-learn Lasso(positive=True, tol=1e-6), one sample at a time: ${reference.sklearnSamplesPerS.toFixed(1)} samples/s (${sk.rows} rows)`,
    );
    console.log(
      `objective vs scikit-learn on those rows: worst relative difference ${worst.toExponential(2)} (negative = ours lower)`,
    );
    console.log(`speed-up: ${(median / reference.sklearnSamplesPerS).toFixed(0)}× scikit-learn`);
  }
}

void main();
