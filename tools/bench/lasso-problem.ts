import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeNpy } from '@audio-concepts/shared-npy';
import { gaussian, mulberry32 } from '@audio-concepts/shared-random';

/**
 * Writes C.npy and Z.npy into `dir` with tools/reference/perf_problem.py (numpy), timing scikit-learn on
 * `sklearnRows` of them when > 0 (W_sklearn.npy). Returns the script's JSON summary, or the reason python failed
 * (no python3, numpy or scikit-learn): the caller then falls back to `generateProblem`.
 */
export function perfProblem(
  dir: string,
  { d, c, n, lambda, sklearnRows = 0 }: { d: number; c: number; n: number; lambda: number; sklearnRows?: number },
): { summary: Record<string, number> } | { failed: string } {
  const script = join(__dirname, '..', 'reference', 'perf_problem.py');
  const args = [script, dir, String(d), String(c), String(n), '0', String(lambda)];
  if (sklearnRows > 0) args.push('--sklearn', String(sklearnRows));
  const py = spawnSync('python3', args, { encoding: 'utf8' });
  if (py.status === 0) return { summary: JSON.parse(py.stdout.trim().split('\n').pop()!) };
  return { failed: (py.stderr || py.error?.message || '').trim().split('\n').pop() ?? '' };
}

/** The recipe of perf_problem.py without numpy (different random numbers, same structure). */
export async function generateProblem(dir: string, { d, c, n }: { d: number; c: number; n: number }): Promise<void> {
  const rand = mulberry32(12345);
  const gauss = gaussian(rand);
  const r = 192;
  const basis = Array.from({ length: r }, () => Float64Array.from({ length: d }, gauss));
  const mu = Float64Array.from({ length: d }, gauss);
  normalize(mu);
  const T = new Float64Array(c * d);
  for (let j = 0; j < c; j++) {
    const row = T.subarray(j * d, (j + 1) * d);
    for (let t = 0; t < d; t++) row[t] = 2 * mu[t] + 0.15 * gauss();
    for (let k = 0; k < r; k++) {
      const a = ((gauss() / Math.sqrt(k + 1)) * 3) / Math.sqrt(d);
      for (let t = 0; t < d; t++) row[t] += a * basis[k][t];
    }
    normalize(row);
  }
  const mean = new Float64Array(d);
  for (let j = 0; j < c; j++) for (let t = 0; t < d; t++) mean[t] += T[j * d + t] / c;
  for (let j = 0; j < c; j++) {
    const row = T.subarray(j * d, (j + 1) * d);
    for (let t = 0; t < d; t++) row[t] -= mean[t];
    normalize(row);
  }
  const Z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = Z.subarray(i * d, (i + 1) * d);
    for (let k = 0; k < 15; k++) {
      const j = Math.floor(rand() * c);
      const w = rand();
      for (let t = 0; t < d; t++) z[t] += w * T[j * d + t];
    }
    for (let t = 0; t < d; t++) z[t] += 0.05 * gauss();
    normalize(z);
  }
  await writeNpy(join(dir, 'C.npy'), { data: Float32Array.from(T), shape: [c, d], dtype: 'float32' });
  await writeNpy(join(dir, 'Z.npy'), { data: Float32Array.from(Z), shape: [n, d], dtype: 'float32' });
}

export function normalize(v: Float64Array): void {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let t = 0; t < v.length; t++) v[t] *= inv;
}
