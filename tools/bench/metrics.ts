/**
 * npm run bench:metrics — how fast the watching side goes: frames per second through the drift library (and, as
 * sections are added to SECTIONS, through the metrics service). Prints one markdown table per section.
 *
 * Environment: BENCH_CONCEPTS (543), BENCH_FRAMES (live frames per pass, 20000), BENCH_SERVICE_FRAMES (40000 in one process, 100000 through the service).
 * The service section needs the local broker (deploy/local/kafka.sh start) and `npm run build`.
 */
import { availableParallelism, cpus } from 'node:os';
import { driftThroughput, type BenchRow } from './drift-throughput';
import { serviceThroughput, watcherThroughput } from './metrics-service-throughput';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Each section: a title and what it measures (rows of what / value). */
const SECTIONS: { title: string; run: () => BenchRow[] | Promise<BenchRow[]> }[] = [
  {
    title: 'drift library (@audio-concepts/metrics-drift)',
    run: () => driftThroughput({ concepts: env('BENCH_CONCEPTS', 543), liveFrames: env('BENCH_FRAMES', 20_000) }),
  },
  {
    title: "the metrics service's rule in one process (Watcher, @audio-concepts/metrics-service)",
    run: () => watcherThroughput({ concepts: env('BENCH_CONCEPTS', 543), frames: env('BENCH_SERVICE_FRAMES', 40_000) }),
  },
  {
    title: 'the metrics service process (apps/metrics) reading frames from the local broker',
    run: () =>
      serviceThroughput({ concepts: env('BENCH_CONCEPTS', 543), frames: env('BENCH_SERVICE_FRAMES', 100_000) }),
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
