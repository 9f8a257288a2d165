/**
 * npm run bench:lasso-streams — would the decomposer gain from starting each window's solve at the previous window's
 * solution of the same stream? It times the same rows solved cold and warm-started from the row before them, for
 * streams whose consecutive windows have a given cosine, on the paper's shape (d = 512, c = 2000; the dictionary of
 * bench:lasso).
 *
 * Synthetic streams: BENCH_STREAMS streams of BENCH_LENGTH windows; each starts at a row of the problem and every
 * next window is cos·previous + sin·(a random unit direction orthogonal to it), for each cosine of BENCH_COS.
 * A real stream instead: BENCH_EMBEDDINGS=Z.npy (n × d, rows in stream order, used as given, as `decompose --raw`
 * does) with BENCH_CONCEPTS=C.npy (c × d); the consecutive cosine is then measured, not chosen.
 *
 * Prints per setting the µs per row cold and warm (one solver thread, C·z included), mean iterations, the Jaccard
 * overlap of consecutive supports and the worst relative objective difference between the two (both are exact).
 * Environment: BENCH_COS (0.995,0.98,0.95,0.9,0.8), BENCH_STREAMS (64), BENCH_LENGTH (32), BENCH_LAMBDA (0.05).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NonNegativeLasso } from '@audio-concepts/decomposer-lasso';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';
import { generateProblem } from './lasso-problem';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const lambda = env('BENCH_LAMBDA', 0.05);
const streams = env('BENCH_STREAMS', 64);
const length = env('BENCH_LENGTH', 32);
const cosines = (process.env.BENCH_COS ?? '0.995,0.98,0.95,0.9,0.8').split(',').map(Number);

/** Rows of `streams` streams of `length` windows, stream-major; consecutive windows have cosine `cos`. */
function driftingStreams(starts: Float64Array, d: number, cos: number, seed: number): Float64Array {
  const gauss = gaussian(mulberry32(seed));
  const Z = new Float64Array(streams * length * d);
  const direction = new Float64Array(d);
  const sin = Math.sqrt(1 - cos * cos);
  for (let s = 0; s < streams; s++) {
    Z.set(starts.subarray(s * d, (s + 1) * d), s * length * d);
    for (let t = 1; t < length; t++) {
      const previous = Z.subarray((s * length + t - 1) * d, (s * length + t) * d);
      const next = Z.subarray((s * length + t) * d, (s * length + t + 1) * d);
      for (let k = 0; k < d; k++) direction[k] = gauss();
      const along = dot(direction, previous);
      for (let k = 0; k < d; k++) direction[k] -= along * previous[k];
      const norm = Math.sqrt(dot(direction, direction));
      for (let k = 0; k < d; k++) next[k] = cos * previous[k] + (sin * direction[k]) / norm;
    }
  }
  return Z;
}

async function compare(
  solver: NonNegativeLasso,
  label: string,
  Z: Float64Array,
  n: number,
  d: number,
  firstOfStream: (i: number) => boolean,
): Promise<void> {
  const c = solver.dictionary.c;
  let started = performance.now();
  const cold = await solver.solve(Z, n, d, { lambda });
  const coldMs = performance.now() - started;
  // Each window starts at the exact solution of the window before it in its stream, as a service would keep it.
  const warmStart = new Float64Array(n * c);
  for (let i = 1; i < n; i++) if (!firstOfStream(i)) warmStart.set(cold.weights.subarray((i - 1) * c, i * c), i * c);
  started = performance.now();
  const warm = await solver.solve(Z, n, d, { lambda }, warmStart);
  const warmMs = performance.now() - started;

  let coldIterations = 0;
  let warmIterations = 0;
  let worst = 0;
  let jaccard = 0;
  let cosine = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    coldIterations += cold.iterations[i];
    warmIterations += warm.iterations[i];
    worst = Math.max(worst, Math.abs(warm.objective[i] - cold.objective[i]) / cold.objective[i]);
    if (firstOfStream(i)) continue;
    let both = 0;
    let either = 0;
    for (let j = 0; j < c; j++) {
      const before = cold.weights[(i - 1) * c + j] > 0;
      const now = cold.weights[i * c + j] > 0;
      if (before && now) both++;
      if (before || now) either++;
    }
    jaccard += either > 0 ? both / either : 1;
    const a = Z.subarray((i - 1) * d, i * d);
    const b = Z.subarray(i * d, (i + 1) * d);
    cosine += dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    pairs++;
  }
  const perRow = (ms: number) => ((ms / n) * 1000).toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(14)} consecutive cos ${(cosine / pairs).toFixed(3)}  support overlap ${(jaccard / pairs).toFixed(2)}  ` +
      `cold ${perRow(coldMs)} µs/row, ${(coldIterations / n).toFixed(1).padStart(4)} iterations  ` +
      `warm ${perRow(warmMs)} µs/row, ${(warmIterations / n).toFixed(1).padStart(4)} iterations  ` +
      `(${(coldMs / warmMs).toFixed(2)}×; objectives within ${worst.toExponential(1)})`,
  );
}

async function main(): Promise<void> {
  const given = process.env.BENCH_EMBEDDINGS;
  let concepts: Float64Array;
  let c: number;
  let d: number;
  let rows: Float64Array;
  if (given) {
    if (!process.env.BENCH_CONCEPTS) throw new Error('BENCH_EMBEDDINGS needs BENCH_CONCEPTS (the c × d dictionary)');
    const C = asFloat64Matrix(await readNpy(process.env.BENCH_CONCEPTS), 'BENCH_CONCEPTS');
    const Z = asFloat64Matrix(await readNpy(given), 'BENCH_EMBEDDINGS');
    [concepts, c, d, rows] = [C.data, C.rows, C.cols, Z.data];
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-lasso-streams-'));
    await generateProblem(dir, { d: 512, c: 2000, n: streams });
    const C = asFloat64Matrix(await readNpy(join(dir, 'C.npy')), 'C');
    [concepts, c, d, rows] = [C.data, C.rows, C.cols, asFloat64Matrix(await readNpy(join(dir, 'Z.npy')), 'Z').data];
  }
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}; one solver thread`);
  console.log(`problem: d = ${d}, c = ${c}, λ = ${lambda}`);
  const matmul = await createOrtMatMul({});
  const solver = await NonNegativeLasso.create(concepts, c, d, { threads: 1, matmul });
  try {
    if (given) await compare(solver, given, rows, rows.length / d, d, (i) => i === 0);
    else
      for (const cos of cosines)
        await compare(
          solver,
          `cos ${cos}`,
          driftingStreams(rows, d, cos, 7),
          streams * length,
          d,
          (i) => i % length === 0,
        );
  } finally {
    await solver.close();
    await matmul.close();
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

void main();
