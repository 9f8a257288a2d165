import { Command, Option } from 'commander';
import {
  conceptSpaceStoreDir,
  listConceptSpaces,
  readConceptSpaceManifest,
  resolveConceptSpace,
  type ConceptSpaceManifest,
} from '@audio-concepts/decomposer-concepts';
import type { ClapDtype } from '@audio-concepts/encoder-clap';
import { buildStoredSpace } from '@audio-concepts/pipeline-embedded';
import { defaultCacheDir } from '@audio-concepts/shared-contracts';
import { modelOrDemo } from '../demo-model';
import { ALLOW_NETWORK_HELP, dtypeOption } from '../model-options';

interface BuildOptions {
  model?: string;
  vocab?: string;
  calibrate?: string;
  out?: string;
  cacheDir: string;
  device: 'auto' | 'cpu' | 'cuda';
  dtype: ClapDtype;
  allowNetwork?: boolean;
}

const CACHE_DIR_HELP =
  'cache directory; the store of spaces is <DIR>/spaces (default: $AUDIO_CONCEPTS_CACHE or ~/.cache/audio-concepts)';

export function spaceCommand(): Command {
  const space = new Command('space').description(
    'Stored concept spaces: C, m_a and the concept names of one (model, vocabulary, calibration), in a directory ' +
      'named by its content id. `tag --space`, `eval zero-shot --space` and the decomposer (CONCEPT_SPACE) load ' +
      'one without computing any text embedding.',
  );
  space.addCommand(
    new Command('build')
      .description('Embed a vocabulary with a CLAP model and store the concept space; prints its id and directory')
      .option(
        '--model <DIR|hub-id>',
        'CLAP model directory, or hub id (its copy in <cache-dir>/models, fetched with --allow-network); default: the demo model',
      )
      .option(
        '--vocab <NAME|FILE>',
        "'audioset', 'demo' or a file of names (one per line); default: 'demo' for the demo model, else 'audioset'",
      )
      .option(
        '--calibrate <DIR|FILE>',
        "calibration set for m_a: audio files or a .npy of embeddings (default: the model's own set, if any)",
      )
      .option('--out <DIR>', 'where to write the space (default: <cache-dir>/spaces/<id>)')
      .option('--cache-dir <DIR>', CACHE_DIR_HELP, defaultCacheDir())
      .addOption(new Option('--device <D>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
      .addOption(dtypeOption())
      .option('--allow-network', ALLOW_NETWORK_HELP)
      .exitOverride()
      .action(async (options: BuildOptions) => runBuild(options)),
  );
  space.addCommand(
    new Command('list')
      .description('List the spaces in the store: id, model id, vocabulary, concepts, dimension, created')
      .option('--cache-dir <DIR>', CACHE_DIR_HELP, defaultCacheDir())
      .option('--json', 'one JSON object per space (the fields of `space show --json`)')
      .exitOverride()
      .action(async (options: { cacheDir: string; json?: boolean }) => runList(options)),
  );
  space.addCommand(
    new Command('show')
      .description('Show one space: id, model id, vocabulary and its hash, calibration hash, c, d, created, path')
      .argument('<DIR|ID>', 'a space directory, or a space id (or a unique prefix of 8+ hex digits) in the store')
      .option('--cache-dir <DIR>', CACHE_DIR_HELP, defaultCacheDir())
      .option('--json', 'print one JSON object')
      .exitOverride()
      .action(async (ref: string, options: { cacheDir: string; json?: boolean }) => runShow(ref, options)),
  );
  return space;
}

async function runBuild(options: BuildOptions): Promise<void> {
  const modelPath = modelOrDemo(options.model);
  const started = performance.now();
  const built = await buildStoredSpace({
    modelPath,
    vocab: options.vocab,
    calibrate: options.calibrate,
    device: options.device,
    dtype: options.dtype,
    cacheDir: options.cacheDir,
    allowNetwork: options.allowNetwork,
    out: options.out,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  const { manifest } = built;
  process.stderr.write(
    `built concept space ${built.id}: model ${manifest.modelId}, vocabulary '${manifest.vocabulary}' ` +
      `(${manifest.c} concepts, d = ${manifest.d}), calibration ${manifest.calibrationHash === 'none' ? 'none (m_a = 0)' : manifest.calibrationHash.slice(0, 16)}, ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  process.stdout.write(`${built.id}\t${built.dir}\n`);
}

/** The fields `space show --json` and `space list --json` print. */
export function spaceSummary(manifest: ConceptSpaceManifest, path: string) {
  return {
    id: manifest.id,
    model_id: manifest.modelId,
    vocabulary: manifest.vocabulary,
    vocabulary_hash: manifest.vocabularyHash,
    calibration_hash: manifest.calibrationHash,
    c: manifest.c,
    d: manifest.d,
    created: manifest.createdAt,
    path,
  };
}

async function runList(options: { cacheDir: string; json?: boolean }): Promise<void> {
  const store = conceptSpaceStoreDir(options.cacheDir);
  const spaces = await listConceptSpaces(store);
  for (const { dir, problem } of spaces)
    if (problem) process.stderr.write(`warning: ${dir} is not a readable concept space: ${problem}\n`);
  const good = spaces.filter((s) => s.manifest);
  if (options.json) {
    for (const s of good) process.stdout.write(`${JSON.stringify(spaceSummary(s.manifest!, s.dir))}\n`);
    return;
  }
  if (good.length === 0) {
    process.stderr.write(`no concept spaces in ${store} (build one with \`audio-concepts space build\`)\n`);
    return;
  }
  process.stdout.write(
    `${['id'.padEnd(16), 'model'.padEnd(16), 'concepts', '   d', 'created'.padEnd(24), 'vocabulary'].join('  ')}\n`,
  );
  for (const { manifest: m } of good)
    process.stdout.write(
      `${[m!.id, m!.modelId.padEnd(16), String(m!.c).padStart(8), String(m!.d).padStart(4), m!.createdAt.padEnd(24), m!.vocabulary].join('  ')}\n`,
    );
}

async function runShow(ref: string, options: { cacheDir: string; json?: boolean }): Promise<void> {
  const dir = await resolveConceptSpace(ref, conceptSpaceStoreDir(options.cacheDir));
  const summary = spaceSummary(await readConceptSpaceManifest(dir), dir);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  for (const [key, value] of Object.entries(summary)) process.stdout.write(`${`${key}:`.padEnd(18)}${value}\n`);
}
