/**
 * npm run bench:sparsity — what target sparsity (--max-concepts K) and a warm-started λ sweep cost next to a plain
 * decomposition, on the paper's shape (d = 512, c = 2000, 1024 embeddings; the problem of bench:lasso).
 *
 * Prints, per setting, the solve time (C·z + solves; the Gram matrix is built once, as a service does), mean l0,
 * mean λ reached and the ratio to a plain decomposition at λ = BENCH_LAMBDA; then the paper's λ grid swept warm
 * (each λ from the previous solutions) and cold. Environment: BENCH_D, BENCH_C, BENCH_N, BENCH_LAMBDA (0.05),
 * BENCH_RUNS (3, the median is printed), BENCH_THREADS (all cores), BENCH_K (the K to time: 5,10,20,40,60,80).
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonNegativeLasso, type LassoOptions } from '@audio-concepts/decomposer-lasso';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { PAPER_LAMBDAS } from '@audio-concepts/decomposer-concepts';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { generateProblem } from './lasso-problem';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const d = env('BENCH_D', 512);
const c = env('BENCH_C', 2000);
const n = env('BENCH_N', 1024);
const lambda = env('BENCH_LAMBDA', 0.05);
const runs = env('BENCH_RUNS', 3);
const threads = env('BENCH_THREADS', availableParallelism());
const maxConceptsList = (process.env.BENCH_K ?? '5,10,20,40,60,80').split(',').map(Number);

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sparsity-'));
  await generateProblem(dir, { d, c, n });
  const concepts = asFloat64Matrix(await readNpy(join(dir, 'C.npy')), 'C');
  const Z = asFloat64Matrix(await readNpy(join(dir, 'Z.npy')), 'Z').data;
  const matmul = await createOrtMatMul({ threads });
  const solver = await NonNegativeLasso.create(concepts.data, c, d, { threads, matmul });
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
  );
  console.log(`problem: d = ${d}, c = ${c}, n = ${n}; solver threads ${threads}; median of ${runs} runs`);
  try {
    await solver.solve(Z, n, d, { lambda }); // warms the threads up
    const time = async (options: LassoOptions, warm?: Float64Array) => {
      const seconds: number[] = [];
      let result;
      for (let r = 0; r < runs; r++) {
        const started = performance.now();
        result = await solver.solve(Z, n, d, options, warm);
        seconds.push((performance.now() - started) / 1000);
      }
      return { seconds: median(seconds), result: result! };
    };
    const plain = await time({ lambda });
    const row = (label: string, t: Awaited<ReturnType<typeof time>>) =>
      console.log(
        `${label.padEnd(28)} ${(t.seconds * 1000).toFixed(0).padStart(6)} ms  ${(t.seconds / plain.seconds).toFixed(2)}× plain` +
          `  mean l0 ${mean(t.result.l0).toFixed(1).padStart(5)}  max l0 ${Math.max(...t.result.l0)}` +
          `  mean λ ${mean(t.result.lambdas).toFixed(4)}  iterations ${mean(t.result.iterations).toFixed(1)}`,
      );
    row(`plain λ = ${lambda}`, plain);
    row('plain λ = 0.15', await time({ lambda: 0.15 }));
    for (const k of maxConceptsList) row(`--max-concepts ${k} (λ ≥ ${lambda})`, await time({ lambda, maxConcepts: k }));

    const lambdas = [...PAPER_LAMBDAS].sort((a, b) => b - a);
    let warmTotal = 0;
    let coldTotal = 0;
    let previous: Float64Array | undefined;
    for (const l of lambdas) {
      const warm = await time({ lambda: l }, previous);
      const cold = await time({ lambda: l });
      warmTotal += warm.seconds;
      coldTotal += cold.seconds;
      console.log(
        `  λ = ${String(l).padEnd(6)} warm ${(warm.seconds * 1000).toFixed(0).padStart(6)} ms  cold ${(cold.seconds * 1000).toFixed(0).padStart(6)} ms` +
          `  mean l0 ${mean(warm.result.l0).toFixed(1).padStart(6)}  iterations warm ${mean(warm.result.iterations).toFixed(1)} cold ${mean(cold.result.iterations).toFixed(1)}`,
      );
      previous = warm.result.weights;
    }
    console.log(
      `λ sweep over ${lambdas.length} points (${lambdas.join(', ')}): warm-started ${warmTotal.toFixed(2)} s, ` +
        `cold ${coldTotal.toFixed(2)} s (${(coldTotal / warmTotal).toFixed(2)}×); one plain λ = ${lambda}: ${plain.seconds.toFixed(2)} s`,
    );
  } finally {
    await solver.close();
    await matmul.close();
  }
}

void main();
