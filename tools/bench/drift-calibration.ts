/**
 * npm run bench:drift — is the drift library's false-alarm setting what it says, and how fast and how well does it
 * find a real change? All on the scene world (drift-scenarios.ts): correlated concepts, scenes lasting ~20 windows.
 *
 *   Offline (`drift --alpha`): RUNS independent (R, C) pairs with no drift, 2000 and 500 frames, 1000 bootstrap
 *   replicates; the share with drift at alpha 0.01, 0.05, 0.1 (Wilson 95 % interval). 2400 runs expect 24 alarms at
 *   0.01 (sampling sd ±20 %); an alpha expecting fewer than 10 is reported as not checkable.
 *   Online: ONLINE_RUNS independent references of 2000 frames, each calibrated for 1 and for 4 false alarms per day,
 *   then one simulated day (8640 frames of 10 s) of frames like the reference's; alarms per day (Poisson 95 %
 *   interval of the total, and the interval from the run-to-run spread, which is wider: a reference whose scene mix
 *   is off alarms more often all day).
 *   Sensitivity: SENSITIVITY_RUNS runs each of one concept's activation going from 10 % to 30 %, and of a cosine drop
 *   with the concepts unchanged, offline (R 3000, C 1000, change at 400, alpha 0.01) and online (reference 4000, 1
 *   false alarm per day, change at frame 1500 of 3000).
 *
 * Environment: RUNS (2400), ONLINE_RUNS (200), SENSITIVITY_RUNS (40), WORKERS (all cores), PARTS (which tables:
 * "offline,online" by default; "offline" or "online" runs that part's null and sensitivity runs only). Progress on stderr;
 * the tables on stdout.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  COSINE_DROP,
  offlineNullRun,
  offlineSensitivityRun,
  onlineNullRun,
  onlineSensitivityRun,
  SIZES,
  type Change,
} from './drift-scenarios';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
type Task =
  | { name: 'offline-null' }
  | { name: 'online-null'; perDay: number }
  | { name: 'offline-sensitivity' | 'online-sensitivity'; kind: Change };

function runOne(task: Task, run: number): unknown {
  switch (task.name) {
    case 'offline-null':
      return offlineNullRun(run);
    case 'online-null':
      return onlineNullRun(run, task.perDay);
    case 'offline-sensitivity':
      return offlineSensitivityRun(run, task.kind);
    case 'online-sensitivity':
      return onlineSensitivityRun(run, task.kind);
  }
}

if (process.argv[2] === '--worker') {
  // a worker: runs worker, worker + workers, … of the task and sends each result
  const [task, worker, workers, runs] = [JSON.parse(process.argv[3]) as Task, ...process.argv.slice(4).map(Number)];
  for (let run = worker; run < runs; run += workers) process.send!({ run, result: runOne(task, run) });
  process.exit(0);
}

/** All runs of a task, spread over worker processes; progress on stderr. */
async function runAll<T>(task: Task, runs: number, label: string): Promise<T[]> {
  const workers = Math.max(1, Math.min(env('WORKERS', availableParallelism()), runs));
  const results: T[] = new Array(runs);
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const child = fork(__filename, ['--worker', JSON.stringify(task), String(w), String(workers), String(runs)]);
      child.on('message', (m: { run: number; result: T }) => {
        results[m.run] = m.result;
        if (++done % Math.max(1, Math.floor(runs / 10)) === 0 || done === runs)
          process.stderr.write(`${label}: ${done}/${runs} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      });
      return new Promise<void>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`${label}: worker exited with ${code}`)),
        ),
      );
    }),
  );
  return results;
}

/** Wilson score interval (95 %) of k successes in n. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.96;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** 95 % interval of a Poisson count (Wilson–Hilferty). */
function poisson(k: number): [number, number] {
  const z = 1.96;
  const lower = k === 0 ? 0 : k * Math.pow(1 - 1 / (9 * k) - z / (3 * Math.sqrt(k)), 3);
  const upper = (k + 1) * Math.pow(1 - 1 / (9 * (k + 1)) + z / (3 * Math.sqrt(k + 1)), 3);
  return [lower, upper];
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const within30 = (measured: number, setting: number) => (Math.abs(measured / setting - 1) <= 0.3 ? 'yes' : 'no');
function quantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
}

async function main(): Promise<void> {
  const runs = env('RUNS', 2400);
  const onlineRuns = env('ONLINE_RUNS', 200);
  const sensitivityRuns = env('SENSITIVITY_RUNS', 40);
  const parts = new Set((process.env['PARTS'] ?? 'offline,online').split(','));
  const started = Date.now();
  const lines: string[] = [];

  const offline = parts.has('offline')
    ? await runAll<{ minQ: number }>({ name: 'offline-null' }, runs, 'offline null')
    : [];
  if (parts.has('offline'))
    lines.push(
      `### Offline \`drift --alpha\`: ${runs} runs with no drift (R ${SIZES.offlineReference}, C ${SIZES.offlineCurrent} frames, ${SIZES.offlineReplicates} replicates)`,
      '',
      '| alpha | runs with drift | measured rate | 95 % interval | within ±30 % |',
      '| --- | --- | --- | --- | --- |',
    );
  for (const alpha of parts.has('offline') ? [0.01, 0.05, 0.1] : []) {
    const k = offline.filter((r) => r.minQ <= alpha).length;
    const [lo, hi] = wilson(k, runs);
    const checkable = alpha * runs >= 10;
    lines.push(
      `| ${alpha} | ${k} / ${runs} | ${pct(k / runs)} | ${pct(lo)} – ${pct(hi)} | ${checkable ? within30(k / runs, alpha) : `not checkable (${(alpha * runs).toFixed(0)} expected)`} |`,
    );
  }

  if (parts.has('online'))
    lines.push(
      '',
      `### Online: ${onlineRuns} references of ${SIZES.onlineReference} frames, each watching ${SIZES.onlineDays} day(s) of frames with no drift`,
      '',
      '| setting (alarms/day) | alarms | days | measured alarms/day | Poisson 95 % | run-to-run 95 % | within ±30 % | median threshold |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
  for (const perDay of parts.has('online') ? [1, 4] : []) {
    const results = await runAll<{ alarms: number; days: number; threshold: number }>(
      { name: 'online-null', perDay },
      onlineRuns,
      `online null ${perDay}/day`,
    );
    const alarms = results.reduce((s, r) => s + r.alarms, 0);
    const days = results.reduce((s, r) => s + r.days, 0);
    const rates = results.map((r) => r.alarms / r.days);
    const mean = alarms / days;
    const sd = Math.sqrt(rates.reduce((s, x) => s + (x - mean) ** 2, 0) / (rates.length - 1));
    const [lo, hi] = poisson(alarms);
    const half = (1.96 * sd) / Math.sqrt(rates.length);
    lines.push(
      `| ${perDay} | ${alarms} | ${days.toFixed(0)} | ${mean.toFixed(2)} | ${(lo / days).toFixed(2)} – ${(hi / days).toFixed(2)} | ${(mean - half).toFixed(2)} – ${(mean + half).toFixed(2)} | ${within30(mean, perDay)} | ${quantile(
        results.map((r) => r.threshold),
        0.5,
      ).toFixed(2)} |`,
    );
  }

  lines.push(
    '',
    `### Sensitivity: ${sensitivityRuns} runs per scenario`,
    '',
    `Offline: R ${SIZES.sensitivityReference}, C ${SIZES.sensitivityCurrent} frames, change at C's frame ${SIZES.sensitivityChangeAt}, alpha 0.01. ` +
      `Online: reference ${SIZES.onlineSensitivityReference} frames, 1 false alarm/day, change at live frame ${SIZES.onlineSensitivityChangeAt}. ` +
      `Rate: one concept 10 % → 30 %. Cosine: every frame's cosine − ${COSINE_DROP.offline} offline, − ${COSINE_DROP.online} online, concepts unchanged.`,
    '',
    '| scenario | detected | named (concept first / cosine flagged) | delay in windows: median, 90 %, max | change-point error: median \\|e\\|, 90 % \\|e\\| | alarms before the change |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const kind of parts.has('offline') ? (['rate', 'cosine'] as const) : []) {
    const r = await runAll<{ detected: boolean; named: boolean; error: number | null }>(
      { name: 'offline-sensitivity', kind },
      sensitivityRuns,
      `offline ${kind}`,
    );
    const errors = r.filter((x) => x.detected && x.error !== null).map((x) => Math.abs(x.error!));
    lines.push(
      `| offline, ${kind} | ${r.filter((x) => x.detected).length} / ${sensitivityRuns} | ${r.filter((x) => x.named).length} / ${sensitivityRuns} | — | ${errors.length ? `${quantile(errors, 0.5)}, ${quantile(errors, 0.9)}` : '—'} | — |`,
    );
  }
  for (const kind of parts.has('online') ? (['rate', 'cosine'] as const) : []) {
    const r = await runAll<{ early: number; delay: number | null; named: boolean; error: number | null }>(
      { name: 'online-sensitivity', kind },
      sensitivityRuns,
      `online ${kind}`,
    );
    const found = r.filter((x) => x.delay !== null);
    const delays = found.map((x) => x.delay!);
    const errors = found.map((x) => Math.abs(x.error!));
    lines.push(
      `| online, ${kind} | ${found.length} / ${sensitivityRuns} | ${r.filter((x) => x.named).length} / ${sensitivityRuns} | ${delays.length ? `${quantile(delays, 0.5)}, ${quantile(delays, 0.9)}, ${Math.max(...delays)}` : '—'} | ${errors.length ? `${quantile(errors, 0.5)}, ${quantile(errors, 0.9)}` : '—'} | ${r.reduce((s, x) => s + x.early, 0)} in ${sensitivityRuns} × ${SIZES.onlineSensitivityChangeAt} frames |`,
    );
  }
  lines.push('', `(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  process.stdout.write(lines.join('\n') + '\n');
}

void main().catch((error) => {
  process.stderr.write(`bench:drift: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
