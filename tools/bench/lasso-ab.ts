/**
 * npm run bench:lasso-ab -- [REV] — is the working tree's solver faster than the one at git revision REV (default
 * HEAD)? `npm run bench:lasso-ab -- --kernels` instead times the working tree's solver on its WebAssembly kernels
 * (before) against its native ones (after). On a shared machine, runs of the same build differ by 10–30 %, more than
 * most solver changes gain: two processes timed one after the other cannot tell. This runs both solvers in one
 * process, on one thread, on the same rows, alternating chunks of 256 rows between them (the order flipped every
 * chunk), so that both see the same machine at the same moments.
 *
 * REV's `libs/decomposer/lasso/src` is copied into .bench/lasso-ab/ (gitignored) with its kernels built there by the
 * library's own build steps (the native one where REV has it and a C compiler is here), so both sides run the
 * kernels they would run built; each side's line names them.
 * Problem: the paper's shape from tools/reference/perf_problem.py (numpy), else the same recipe in TypeScript.
 * Prints µs per row for each (C·z included, the same GEMM for both), their ratio, and how far apart the weights and
 * objectives are (both solvers are exact: expect ~1e-15).
 * Environment: BENCH_N (4096), BENCH_LAMBDA (0.05), BENCH_ROUNDS (3; the first is a warm-up and not timed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { NonNegativeLasso, type LassoBatchResult } from '@audio-concepts/decomposer-lasso';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { asFloat64Matrix, readNpy } from '@audio-concepts/shared-npy';
import { generateProblem, perfProblem } from './lasso-problem';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const n = env('BENCH_N', 4096);
const lambda = env('BENCH_LAMBDA', 0.05);
const rounds = Math.max(2, env('BENCH_ROUNDS', 3));
const [d, c, chunk] = [512, 2000, 256];
const root = join(__dirname, '..', '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });

type Solver = Pick<NonNegativeLasso, 'solve' | 'close'>;
type SolverModule = { NonNegativeLasso: { create: typeof NonNegativeLasso.create } };

/** REV's solver sources, copied next to the repo (so its imports of @audio-concepts/* resolve) and assembled. */
async function solverAt(rev: string): Promise<{ sha: string; module: SolverModule }> {
  const found = spawnSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  });
  if (found.status !== 0) {
    console.error(`bench:lasso-ab: ${rev} is not a commit of this repository (usage: npm run bench:lasso-ab -- REV)`);
    process.exit(2);
  }
  const sha = found.stdout.trim();
  const dir = join(root, '.bench', 'lasso-ab', sha);
  const src = 'libs/decomposer/lasso/src';
  if (!existsSync(join(dir, 'gram-kernels.wasm'))) {
    for (const file of git('ls-tree', '-r', '--name-only', sha, src).split('\n').filter(Boolean)) {
      if (file.endsWith('.spec.ts') || file.includes('__fixtures__')) continue;
      const target = join(dir, file.slice(src.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, git('show', `${sha}:${file}`));
    }
    // The lasso library's own build steps assemble the kernels.
    const build = (script: string, source: string, output: string) =>
      execFileSync(process.execPath, [join(root, 'tools', 'build', script), join(dir, source), join(dir, output)], {
        stdio: 'inherit',
      });
    if (existsSync(join(dir, 'gram-kernels.c'))) build('cc-addon.mjs', 'gram-kernels.c', 'gram-kernels.node');
    build('wat2wasm.mjs', 'gram-kernels.wat', 'gram-kernels.wasm');
  }
  return { sha, module: (await import(join(dir, 'index.ts'))) as SolverModule };
}

async function problem(): Promise<{ C: Float64Array; Z: Float64Array }> {
  const dir = join(root, '.bench', 'lasso-ab', `problem-${n}`);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'Z.npy'))) {
    if ('failed' in perfProblem(dir, { d, c, n, lambda })) await generateProblem(dir, { d, c, n });
  }
  const C = asFloat64Matrix(await readNpy(join(dir, 'C.npy')), 'C').data;
  const Z = asFloat64Matrix(await readNpy(join(dir, 'Z.npy')), 'Z').data;
  return { C, Z };
}

async function main(): Promise<void> {
  const kernels = process.argv[2] === '--kernels';
  const rev = kernels ? 'HEAD' : (process.argv[2] ?? 'HEAD');
  const { sha, module } = kernels ? { sha: '', module: { NonNegativeLasso } } : await solverAt(rev);
  const { C, Z } = await problem();
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`);
  console.log(`problem: d = ${d}, c = ${c}, n = ${n}, λ = ${lambda}; one solver thread; chunks of ${chunk} rows`);
  const matmul = await createOrtMatMul({ threads: 1 });
  const solvers: Record<'before' | 'after', Solver> = {
    before: await module.NonNegativeLasso.create(C, c, d, {
      threads: 1,
      matmul,
      ...(kernels ? { kernels: 'webassembly' as const } : {}),
    }),
    after: await NonNegativeLasso.create(C, c, d, { threads: 1, matmul, ...(kernels ? { kernels: 'native' } : {}) }),
  };
  // A revision from before the native kernels has no `kernels`: it ran WebAssembly.
  const backend = (solver: Solver) => ('kernels' in solver ? String(solver.kernels) : 'webassembly');
  const ms = { before: 0, after: 0 };
  const results: Record<'before' | 'after', LassoBatchResult[]> = { before: [], after: [] };
  for (let round = 0; round < rounds; round++) {
    for (let start = 0, k = 0; start < n; start += chunk, k++) {
      const rows = Math.min(chunk, n - start);
      const z = Z.subarray(start * d, (start + rows) * d);
      for (const side of k % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
        const t0 = performance.now();
        const result = await solvers[side].solve(z, rows, d, { lambda });
        if (round > 0) ms[side] += performance.now() - t0;
        else results[side].push(result);
      }
    }
    if (round > 0)
      process.stdout.write(`round ${round}: before ${us(ms.before, round)}, after ${us(ms.after, round)}\n`);
  }
  let maxWeight = 0;
  let maxObjective = 0;
  results.before.forEach((before, b) => {
    const after = results.after[b];
    for (let t = 0; t < before.weights.length; t++)
      maxWeight = Math.max(maxWeight, Math.abs(before.weights[t] - after.weights[t]));
    for (let i = 0; i < before.n; i++)
      maxObjective = Math.max(maxObjective, Math.abs(before.objective[i] - after.objective[i]) / before.objective[i]);
  });
  const timed = rounds - 1;
  const before = kernels ? 'working tree' : `${rev} = ${sha.slice(0, 9)}`;
  console.log(`before (${before}, ${backend(solvers.before)} kernels): ${us(ms.before, timed)} per row`);
  console.log(`after (working tree, ${backend(solvers.after)} kernels): ${us(ms.after, timed)} per row`);
  console.log(`after / before: ${(ms.after / ms.before).toFixed(3)}`);
  console.log(
    `largest weight difference ${maxWeight.toExponential(2)}, objective ${maxObjective.toExponential(2)} relative`,
  );
  await Promise.all([solvers.before.close(), solvers.after.close(), matmul.close()]);
}

function us(totalMs: number, timedRounds: number): string {
  return `${((totalMs * 1000) / (n * timedRounds)).toFixed(1)} µs`;
}

void main();
