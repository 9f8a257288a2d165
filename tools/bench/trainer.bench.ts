/**
 * npm run bench:trainer — seconds to train a projection head (libs/trainer/head, default settings: cosine objective,
 * random init, Adam, batches of 64, early stopping on a tenth of the rows; products through onnxruntime's float64
 * Gemm) on the known-answer problem of @audio-concepts/trainer-head/testing (audio e = A·(p_y + σ·noise), A
 * orthogonal), at the two sizes: 2,000 × 512 and 20,000 × 1024 embeddings. Prints one markdown table: rows,
 * d, classes, epochs run, seconds, seconds per epoch, held-out accuracy against the ideal head's.
 *
 * σ is 0.2 per dimension (‖noise‖ ≈ 4.5 at d 512): the ideal head then classifies 99.3 % of held-out rows. Measured
 * on the 2-core machine (2026-12-07): 2000 × 512 in 7.5 s (28 epochs of 0.27 s; held-out 89.6 %: 40 rows per class
 * do not pin down 262,144 weights), 20,000 × 1024 in 138 s (13 epochs of 10.6 s, best at epoch 3; 98.3 %). With
 * the portable kernel instead of onnxruntime's, 2000 × 512 took 2.8 s per epoch.
 *
 * Environment: BENCH_SIZES ("2000x512,20000x1024"), BENCH_CLASSES (50), BENCH_NOISE (σ, 0.2), BENCH_EPOCHS (the
 * most epochs, 100), BENCH_OBJECTIVE (cosine), BENCH_INIT (random). Progress on stderr.
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
const noise = Number(process.env.BENCH_NOISE ?? 0.2);

async function main(): Promise<void> {
  const matmul = await createOrtMatMul();
  const lines = [
    `### Training a projection head (${objective} objective, ${init} init, σ ${noise}; ${cpus()[0]?.model ?? 'unknown CPU'}, onnxruntime GEMM, ${matmul.threads} threads)`,
    '',
    '| rows | d | classes | epochs run (kept) | seconds | seconds / epoch | held-out accuracy | ideal head |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [n, d] of sizes) {
    const world = knownMap(d, classes, 1);
    const train = sampleRows(world, n, noise, 2);
    const test = sampleRows(world, 2000, noise, 3);
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
