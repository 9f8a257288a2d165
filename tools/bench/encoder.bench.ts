/**
 * npm run bench:encoder — CLAP audio-tower throughput: windows per second and audio-seconds per second,
 * for the demo model (models/clap-demo, built by `npm run build`) and for any model directory given in
 * BENCH_MODEL: a downloaded Xenova/clap-htsat-unfused, or the CLAP-size benchmark model of tools/clap-size-model
 * (CLAP's architecture with random weights: the network's real size, meaningless embeddings).
 *
 * Each model runs with its log-mel features computed both ways (BENCH_FEATURES, default "js,graph"): in JavaScript
 * (transformers.js, window by window) and in the onnxruntime graph. Per way it prints the whole encodeAudio
 * throughput and where the time goes: the features alone, timed on the same windows, and the rest (the audio tower).
 *
 * Environment: BENCH_MODEL (extra model dir), BENCH_DEMO (1; 0 skips the demo model), BENCH_WINDOWS (64),
 * BENCH_BATCH (8), BENCH_DEVICE (auto), BENCH_FEATURES (js,graph), BENCH_THREADS (onnxruntime intra-op threads;
 * default onnxruntime's choice). BENCH_BATCH, BENCH_THREADS and BENCH_DEVICE take comma lists: every combination is
 * measured, and with BENCH_DEVICE=cpu,cuda (tools/gpu-check) a last table gives CUDA's speed-up over the CPU for each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import {
  ClapEncoder,
  ClapFeatureExtraction,
  LogMelGraphExtraction,
  parseClapPreprocessorConfig,
  type FeatureExtraction,
  type FeaturePath,
} from '@audio-concepts/encoder-clap';
import { mulberry32 } from '@audio-concepts/shared-random';

const numbers = (value: string) => value.split(',').map(Number);
const windows = Number(process.env.BENCH_WINDOWS ?? 64);
const batches = numbers(process.env.BENCH_BATCH ?? '8');
type Device = 'auto' | 'cpu' | 'cuda';
const devices = (process.env.BENCH_DEVICE ?? 'auto').split(',') as Device[];
const featurePaths = (process.env.BENCH_FEATURES ?? 'js,graph').split(',') as FeaturePath[];
const threadCounts: (number | undefined)[] = process.env.BENCH_THREADS
  ? numbers(process.env.BENCH_THREADS)
  : [undefined];
const withDemo = process.env.BENCH_DEMO !== '0';

interface Setting {
  device: Device;
  features: FeaturePath;
  batch: number;
  intraOpThreads: number | undefined;
}

/** models whose benchmark-only warning has been printed (once each) */
const warned = new Set<string>();

/** windows/s of each setting of each model, for the CUDA / CPU table */
const measured: { model: string; setting: Setting; provider: string; windowsPerS: number }[] = [];

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

async function bench(model: string, setting: Setting): Promise<void> {
  const { device, features, batch, intraOpThreads } = setting;
  const loadStart = performance.now();
  const encoder = await ClapEncoder.load(model, { device, maxBatch: batch, features, intraOpThreads });
  const loadMs = performance.now() - loadStart;
  if (encoder.warning && !warned.has(model)) {
    warned.add(model);
    console.log(`note: ${encoder.warning}; only its speed is measured here`);
  }
  const audio = makeWindows(encoder.sampleRate, encoder.windowSamples);
  await encoder.encodeAudio(audio.slice(0, 1)); // warm-up (session initialisation, JIT)
  const start = performance.now();
  for (let i = 0; i < audio.length; i += batch) await encoder.encodeAudio(audio.slice(i, i + batch));
  const seconds = (performance.now() - start) / 1000;
  const featureSeconds = await timeFeatures(model, setting, encoder.provider, audio);
  measured.push({ model, setting, provider: encoder.provider, windowsPerS: audio.length / seconds });
  const windowS = encoder.windowSamples / encoder.sampleRate;
  const perWindow = (s: number) => `${((1000 * s) / audio.length).toFixed(1)} ms/window`;
  console.log(
    `${model}: ${encoder.provider.toUpperCase()}, D = ${encoder.dimension}, model ${encoder.modelId}, ` +
      `intra-op threads ${intraOpThreads ?? "onnxruntime's choice"}, loaded in ${loadMs.toFixed(0)} ms\n` +
      `  ${encoder.featureSummary}, ${audio.length} windows of ${windowS} s in batches of ${batch}: ${(audio.length / seconds).toFixed(2)} windows/s, ` +
      `${((audio.length * windowS) / seconds).toFixed(1)} audio-seconds/s (${perWindow(seconds)}: ` +
      `features ${perWindow(featureSeconds)}, the rest ${perWindow(seconds - featureSeconds)})`,
  );
  await encoder.close();
}

/** Seconds the features alone take for the windows, in batches, computed the way `features` says. */
async function timeFeatures(
  model: string,
  { features, batch, intraOpThreads }: Setting,
  provider: 'cpu' | 'cuda',
  audio: Float32Array[],
): Promise<number> {
  const path = join(model, 'preprocessor_config.json');
  const config = parseClapPreprocessorConfig(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>, path);
  const reference = await ClapFeatureExtraction.create(config);
  const extraction: FeatureExtraction =
    features === 'graph' ? await LogMelGraphExtraction.create(reference, { provider, intraOpThreads }) : reference;
  try {
    await extraction.extract(audio.slice(0, 1));
    const start = performance.now();
    for (let i = 0; i < audio.length; i += batch) await extraction.extract(audio.slice(i, i + batch));
    return (performance.now() - start) / 1000;
  } finally {
    await extraction.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}`,
  );
  const demo = join(__dirname, '..', '..', 'models', 'clap-demo');
  const models = [...(withDemo ? [demo] : []), ...(process.env.BENCH_MODEL ? [process.env.BENCH_MODEL] : [])];
  for (const model of models) {
    if (!existsSync(model)) {
      console.log(`${model}: not found${model === demo ? ' (run npm run build first)' : ''}`);
      continue;
    }
    for (const device of devices)
      for (const features of featurePaths)
        for (const intraOpThreads of threadCounts)
          for (const batch of batches) await bench(model, { device, features, batch, intraOpThreads });
  }
  printSpeedUps();
}

/** CUDA's windows/s over the CPU's for each setting measured on both. */
function printSpeedUps(): void {
  const key = (m: (typeof measured)[number]) =>
    `${m.model} | features ${m.setting.features}, batch ${m.setting.batch}, threads ${m.setting.intraOpThreads ?? 'default'}`;
  const cpu = new Map(measured.filter((m) => m.provider === 'cpu').map((m) => [key(m), m.windowsPerS]));
  const lines = measured
    .filter((m) => m.provider === 'cuda' && cpu.has(key(m)))
    .map((m) => `  ${key(m)}: CUDA ${m.windowsPerS.toFixed(2)} vs CPU ${cpu.get(key(m))!.toFixed(2)} windows/s = ${(m.windowsPerS / cpu.get(key(m))!).toFixed(1)}×`); // prettier-ignore
  if (lines.length > 0) console.log(`CUDA / CPU:\n${lines.join('\n')}`);
  else if (devices.includes('cuda'))
    console.log('CUDA / CPU: no setting ran on CUDA (the provider fell back to the CPU)');
}

void main();
