/**
 * npx tsx tools/unknown-sounds/main.ts [--out DIR] [--model DIR] [--lambda L] [--threshold F] [--seeds 1,2,3]
 *   [--per-kind N] [--false-rate R] [--json FILE]
 *
 * How well can a user see "nothing in this vocabulary fits"? Makes test sounds — the demo model's own (demo audio,
 * random clips of its world, its concepts made by ffmpeg) and sounds it was never made for (espeak-ng speech, pink
 * and brown noise bursts, chords, music-like notes) — runs them through the path `audio-concepts tag` takes
 * (openConceptSpace, openAudio, windowAudio, the encoder rule, the decomposer rule) and prints, per category, the
 * distribution of each candidate measure, how well each separates unknown from known windows, and what
 * `fit < threshold` (DEFAULTS.unknownFit) marks. Needs `npm run build` (the demo model and world-clips.js), ffmpeg,
 * and espeak-ng for speech (skipped, with a note, without it). See README.md.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decomposeEmbeddings } from '@audio-concepts/decomposer-service';
import { EncodeRule } from '@audio-concepts/encoder-stage';
import { openAudio, windowAudio, windowMessage } from '@audio-concepts/ingest-audio';
import { MODEL_CALIBRATION_FILE, openConceptSpace } from '@audio-concepts/pipeline-embedded';
import {
  DEFAULTS,
  DEMO_MODEL_DIR,
  defaultCacheDir,
  vectorOf,
  type AudioEmbedding,
  type ConceptFrame,
} from '@audio-concepts/shared-contracts';
import { readNpy } from '@audio-concepts/shared-npy';
import { MEASURES, MeasureContext } from './measures';
import { borderLines, distributionTable, separationTable, thresholdTable, type MeasuredWindow } from './report';
import { makeSounds } from './sounds';

const ROOT = resolve(__dirname, '..', '..');

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    model: { type: 'string', default: DEMO_MODEL_DIR },
    lambda: { type: 'string', default: `${DEFAULTS.lambda}` },
    threshold: { type: 'string', default: `${DEFAULTS.unknownFit}` },
    seeds: { type: 'string', default: '1,2,3' },
    'per-kind': { type: 'string', default: '12' },
    'false-rate': { type: 'string', default: '0.01' },
    'cache-dir': { type: 'string', default: defaultCacheDir() },
    json: { type: 'string' },
  },
});

function numberOption(name: string, value: string, check: (n: number) => boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name} ${JSON.stringify(value)} is not valid`);
  return n;
}

const fmt = (frame: ConceptFrame) =>
  frame.concepts
    .slice(0, 3)
    .map((c) => `${c.label} ${c.weight.toFixed(2)}`)
    .join('; ') || '(no concepts)';

async function main(): Promise<void> {
  const lambda = numberOption('lambda', args.lambda, (n) => n >= 0);
  const threshold = numberOption('threshold', args.threshold, (n) => n >= 0 && n <= 1);
  const falseRate = numberOption('false-rate', args['false-rate'], (n) => n >= 0 && n < 1);
  const perKind = numberOption('per-kind', args['per-kind'], (n) => Number.isInteger(n) && n >= 1);
  const seeds = args.seeds.split(',').map((s) => numberOption('seeds', s, Number.isInteger));
  const out = args.out ?? mkdtempSync(join(tmpdir(), 'unknown-sounds-'));
  const categories = makeSounds({
    dir: out,
    examplesDir: join(ROOT, 'examples', 'audio'),
    worldClipsScript: join(ROOT, 'tools', 'demo-model', 'dist', 'world-clips.js'),
    seeds,
    perKind,
  });

  const opened = await openConceptSpace({
    modelPath: args.model,
    cacheDir: args['cache-dir'],
    log: (m) => console.error(m),
  });
  const { encoder, space } = opened;
  try {
    const calibrationFile = join(args.model, MODEL_CALIBRATION_FILE);
    const calibration = existsSync(calibrationFile)
      ? ((await readNpy(calibrationFile)).data as Float32Array)
      : undefined;
    const context = new MeasureContext(space, calibration && Float32Array.from(calibration));
    const rule = new EncodeRule(encoder);
    const { sampleRate } = encoder;
    const windows: MeasuredWindow[] = [];
    for (const category of categories) {
      for (const file of category.files) {
        const audio = await openAudio(file, { sampleRate });
        const messages = [];
        for await (const w of windowAudio(audio, { sampleRate, windowS: DEFAULTS.windowS }))
          messages.push(windowMessage(w, { streamId: file, sampleRate, ingestedAtMs: 0 }));
        const embeddings = await rule.process(messages);
        const good = embeddings.map((e) => {
          if (e instanceof Error) throw new Error(`${file}: ${e.message}`);
          return e;
        }) as AudioEmbedding[];
        const frames = await decomposeEmbeddings(space, good, { lambda, topK: Infinity });
        frames.forEach((frame, i) => {
          if (frame instanceof Error) throw new Error(`${file}: ${frame.message}`);
          windows.push({
            category: category.name,
            familiarity: category.familiarity,
            file: file.startsWith(out) ? file.slice(out.length + 1) : file,
            startS: frame.startMs / 1000,
            top: fmt(frame),
            measures: context.measure(vectorOf(good[i]), frame),
          });
        });
      }
      console.error(`measured ${category.name}: ${category.skipped ?? `${category.files.length} files`}`);
    }

    console.log(`# Unknown sounds on ${space.metadata.modelId} (λ = ${lambda}, ${space.c} concepts)\n`);
    for (const c of categories.filter((c) => c.skipped)) console.log(`NOTE: ${c.name}: ${c.skipped}\n`);
    console.log('## Distribution per category (min / median / max)\n');
    console.log(distributionTable(windows));
    console.log(`\n${MEASURES.map((m) => `- ${m.label}: ${m.about}`).join('\n')}\n`);
    console.log(`## Separation: each measure's threshold at ≤ ${(100 * falseRate).toFixed(0)} % false unknowns\n`);
    console.log(separationTable(windows, falseRate));
    console.log(`\n## fit < ${threshold}\n`);
    console.log(thresholdTable(windows, threshold));
    console.log(`\n${borderLines(windows, 8)}`);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(windows, null, 1)}\n`);
  } finally {
    await opened.close();
    if (!args.out) rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`unknown-sounds: error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
