/**
 * npm run bench:encoder — CLAP audio-tower throughput: windows per second and audio-seconds per second,
 * for the demo model (models/clap-demo, built by `npm run build`) and for any model directory given in
 * BENCH_MODEL (e.g. a downloaded Xenova/clap-htsat-unfused).
 *
 * Environment: BENCH_MODEL (extra model dir), BENCH_WINDOWS (64), BENCH_BATCH (8), BENCH_DEVICE (auto).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { mulberry32 } from '@audio-concepts/shared-random';

const windows = Number(process.env.BENCH_WINDOWS ?? 64);
const batch = Number(process.env.BENCH_BATCH ?? 8);
const device = (process.env.BENCH_DEVICE ?? 'auto') as 'auto' | 'cpu' | 'cuda';

/** Ten-second windows of varied synthetic audio (tones, noise, silence), deterministic. */
function makeWindows(sampleRate: number, samples: number): Float32Array[] {
  const rand = mulberry32(7);
  return Array.from({ length: windows }, (_, w) => {
    const x = new Float32Array(samples);
    const f = 100 + 3000 * rand();
    const noise = w % 3 === 0 ? 0.2 : 0;
    for (let i = 0; i < samples; i++)
      x[i] = 0.3 * Math.sin((2 * Math.PI * f * i) / sampleRate) + noise * (rand() - 0.5);
    return x;
  });
}

async function bench(model: string): Promise<void> {
  const loadStart = performance.now();
  const encoder = await ClapEncoder.load(model, { device, maxBatch: batch });
  const loadMs = performance.now() - loadStart;
  const audio = makeWindows(encoder.sampleRate, encoder.windowSamples);
  await encoder.encodeAudio(audio.slice(0, 1)); // warm-up (session initialisation, JIT)
  const start = performance.now();
  for (let i = 0; i < audio.length; i += batch) await encoder.encodeAudio(audio.slice(i, i + batch));
  const seconds = (performance.now() - start) / 1000;
  const windowS = encoder.windowSamples / encoder.sampleRate;
  console.log(
    `${model}: ${encoder.provider.toUpperCase()}, D = ${encoder.dimension}, model ${encoder.modelId}, loaded in ${loadMs.toFixed(0)} ms\n` +
      `  ${audio.length} windows of ${windowS} s in batches of ${batch}: ${(audio.length / seconds).toFixed(2)} windows/s, ` +
      `${((audio.length * windowS) / seconds).toFixed(1)} audio-seconds/s (${((1000 * seconds) / audio.length).toFixed(1)} ms/window)`,
  );
  await encoder.close();
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
  );
  const demo = join(__dirname, '..', '..', 'models', 'clap-demo');
  const models = [demo, ...(process.env.BENCH_MODEL ? [process.env.BENCH_MODEL] : [])];
  for (const model of models) {
    if (!existsSync(model)) {
      console.log(`${model}: not found${model === demo ? ' (run npm run build first)' : ''}`);
      continue;
    }
    await bench(model);
  }
}

void main();
