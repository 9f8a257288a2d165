/**
 * npm run bench:trainer — seconds to train a projection head (libs/trainer/head, default settings: cosine objective,
 * random init, Adam, batches of 64, early stopping on a tenth of the rows) on the known-answer problem of
 * @audio-concepts/trainer-head/testing (audio e = A·(p_y + 0.35·noise), A orthogonal), at the two sizes:
 * 2,000 × 512 and 20,000 × 1024 embeddings. Prints one markdown table: rows, d, classes, epochs run, seconds,
 * seconds per epoch, held-out accuracy against the ideal head's.
 *
 * Measured on the 2-core machine (2026-12-07): 2000 × 512 in 93 s (33 epochs, 2.8 s each, one thread of plain
 * loops), far from the "seconds"; 20,000 × 1024 would take about an hour at that speed and was not run.
 *
 * Environment: BENCH_SIZES ("2000x512,20000x1024"), BENCH_CLASSES (50), BENCH_EPOCHS (the most epochs, 100),
 * BENCH_OBJECTIVE (cosine), BENCH_INIT (random). Progress on stderr.
 */
import { cpus } from 'node:os';
import { createOrtMatMul } from '@audio-concepts/decomposer-onnx-matmul';
import { trainHead, type HeadInit, type HeadObjective } from '@audio-concepts/trainer-head';
import { accuracy, knownMap, sampleRows } from '@audio-concepts/trainer-head/testing';

const sizes = (process.env.BENCH_SIZES ?? '2000x512,20000x1024').split(',').map((size) => size.split('x').map(Number));
const classes = Number(process.env.BENCH_CLASSES ?? 50);
const epochs = Number(process.env.BENCH_EPOCHS ?? 100);
const objective = (process.env.BENCH_OBJECTIVE ?? 'cosine') as HeadObjective;
const init = (process.env.BENCH_INIT ?? 'random') as HeadInit;
const noise = process.env.BENCH_NOISE === undefined ? undefined : Number(process.env.BENCH_NOISE);

async function main(): Promise<void> {
  const matmul = await createOrtMatMul();
  const lines = [
    `### Training a projection head (${objective} objective, ${init} init; ${cpus()[0]?.model ?? 'unknown CPU'}, onnxruntime GEMM, ${matmul.threads} threads)`,
    '',
    '| rows | d | classes | epochs run (kept) | seconds | seconds / epoch | held-out accuracy | ideal head |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [n, d] of sizes) {
    const world = knownMap(d, classes, 1);
    const train = sampleRows(world, n, noise ?? 0.35, 2);
    const test = sampleRows(world, 2000, noise ?? 0.35, 3);
    const started = process.hrtime.bigint();
    const head = await trainHead(
      { audio: train.audio, n, d, labels: train.labels, prompts: world.prompts, k: classes },
      {
        objective,
        init,
        epochs,
        matmul,
        onEpoch: (p) =>
          process.stderr.write(
            `${n} × ${d}: epoch ${p.epoch}, ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s\n`,
          ),
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const m = head.metrics;
    lines.push(
      `| ${n} | ${d} | ${classes} | ${m.epochsRun} (${m.bestEpoch}) | ${seconds.toFixed(1)} | ${(seconds / m.epochsRun).toFixed(2)} | ` +
        `${(100 * (await accuracy(head.matrix, test.audio, test.labels, world.prompts, d, matmul))).toFixed(1)} % | ` +
        `${(100 * (await accuracy(world.ideal, test.audio, test.labels, world.prompts, d, matmul))).toFixed(1)} % |`,
    );
  }
  await matmul.close();
  process.stdout.write(lines.join('\n') + '\n');
}

void main().catch((error) => {
  process.stderr.write(`bench:trainer: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
