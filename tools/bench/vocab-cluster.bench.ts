/**
 * npm run bench:vocab — the k-means++ of `vocab build --method clustered` on the paper's shape: 10,000 tag
 * embeddings of dimension 512 into N = 500 and N = 2000 clusters, the assignment step on onnxruntime's GEMM as the
 * CLI runs it. The data are random but clustered: unit vectors scattered around 1,000 random centres.
 *
 * Environment: BENCH_N (10000), BENCH_D (512), BENCH_CENTRES (1000), BENCH_NOISE (0.5, the spread around a centre
 * relative to its norm), BENCH_K ("500,2000"), BENCH_THREADS (all cores), BENCH_SEED (1), BENCH_TOLERANCE (the
 * library's default; 0 runs every one of the at most 50 Lloyd iterations: the worst case).
 */
import { availableParallelism, cpus } from 'node:os';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { kmeans, KMEANS_DEFAULTS } from '@audio-concepts/decomposer-vocabulary-builder';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const n = env('BENCH_N', 10_000);
const d = env('BENCH_D', 512);
const centres = env('BENCH_CENTRES', 1000);
const noise = env('BENCH_NOISE', 0.5);
const threads = env('BENCH_THREADS', availableParallelism());
const seed = env('BENCH_SEED', 1);
const tolerance = env('BENCH_TOLERANCE', KMEANS_DEFAULTS.tolerance);
const clusterCounts = (process.env.BENCH_K ?? '500,2000').split(',').map(Number);

/** n unit vectors, point i near centre i mod `centres`. */
function clusteredPoints(): Float64Array {
  const normal = gaussian(mulberry32(seed));
  const centre = Float64Array.from({ length: centres * d }, normal);
  const points = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = (i % centres) * d;
    let norm = 0;
    for (let t = 0; t < d; t++) {
      const v = centre[c + t] + noise * normal();
      points[i * d + t] = v;
      norm += v * v;
    }
    const scale = 1 / Math.sqrt(norm);
    for (let t = i * d; t < (i + 1) * d; t++) points[t] *= scale;
  }
  return points;
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
  );
  console.log(
    `data: ${n} × ${d} unit vectors around ${centres} centres (noise ${noise}); GEMM threads ${threads}; ` +
      `Lloyd tolerance ${tolerance}`,
  );
  const points = clusteredPoints();
  const matMul = await createOrtMatMul({ threads });
  try {
    for (const k of clusterCounts) {
      const started = performance.now();
      let seeded = started;
      const result = await kmeans(points, n, d, k, {
        seed,
        matMul,
        tolerance,
        onInitProgress: (chosen, total) => {
          if (chosen === total) seeded = performance.now();
        },
      });
      const done = performance.now();
      console.log(
        `N = ${k}: ${((done - started) / 1000).toFixed(1)} s in all (k-means++ seeding ${((seeded - started) / 1000).toFixed(1)} s, ` +
          `${result.iterations} Lloyd iterations ${((done - seeded) / 1000).toFixed(1)} s, ` +
          `${((done - seeded) / 1000 / result.iterations).toFixed(2)} s each); inertia ${result.inertia.toFixed(1)}` +
          `${result.converged ? '' : ' (not converged)'}`,
      );
    }
  } finally {
    await matMul.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
