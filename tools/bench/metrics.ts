/**
 * npm run bench:metrics — how fast the watching side goes: frames per second through the drift library (and, as
 * sections are added to SECTIONS, through the metrics service). Prints one markdown table per section.
 *
 * Environment: BENCH_CONCEPTS (543), BENCH_FRAMES (live frames per pass, 20000).
 */
import { availableParallelism, cpus } from 'node:os';
import { driftThroughput, type BenchRow } from './drift-throughput';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Each section: a title and what it measures (rows of what / value). */
const SECTIONS: { title: string; run: () => BenchRow[] | Promise<BenchRow[]> }[] = [
  {
    title: 'drift library (@audio-concepts/metrics-drift)',
    run: () => driftThroughput({ concepts: env('BENCH_CONCEPTS', 543), liveFrames: env('BENCH_FRAMES', 20_000) }),
  },
];

async function main(): Promise<void> {
  process.stdout.write(
    `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, node ${process.version}\n`,
  );
  for (const section of SECTIONS) {
    process.stderr.write(`measuring: ${section.title}\n`);
    const rows = await section.run();
    process.stdout.write(`\n### ${section.title}\n\n| what | value |\n| --- | --- |\n`);
    for (const row of rows) process.stdout.write(`| ${row.what} | ${row.value} |\n`);
  }
}

void main().catch((error) => {
  process.stderr.write(`bench:metrics: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
