import { join } from 'node:path';
import { buildAudioTower } from './audio-tower';
import { CALIBRATION_SET, TRAINING_SET, clipBatches, clipCount } from './clip-set';
import { writeDemoAudio } from './demo-audio';
import { createEmbeddingSpace } from './embedding-space';
import { buildFeatureModel, N_FEATURES } from './features.graph';
import { writeModelDirectory } from './model-files';
import { OnnxRunner } from './onnx-runner';
import { DEMO_MODEL_SEED, Rng } from './random';
import { fitReadout, type Readout } from './readout.fit';
import { buildTextTower, buildWordTable } from './text-tower';
import { audioSetClassNames, buildTokenList } from './vocabulary';
import { loadDemoConcepts } from './world';

export interface GenerateOptions {
  /** Where the model goes (e.g. `<repo>/models/clap-demo`); replaced. */
  modelDir: string;
  /** Where the demo audio goes (e.g. `<repo>/examples/audio`); replaced. Omit to skip it. */
  examplesDir?: string;
  seed?: number;
  log?: (message: string) => void;
}

export interface GenerateReport {
  readout: Readout;
  trainingClips: number;
  calibrationClips: number;
  seconds: Record<'training' | 'calibration' | 'total', number>;
}

/** Builds the demo model (and demo audio) from the seed alone: the same seed gives byte-identical files. */
export async function generateDemoModel(options: GenerateOptions): Promise<GenerateReport> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? DEMO_MODEL_SEED;
  const started = Date.now();
  const rng = new Rng(seed);
  const concepts = await loadDemoConcepts();
  const space = createEmbeddingSpace(rng.fork('space'), concepts.length);
  const tokens = buildTokenList(await audioSetClassNames(), concepts);
  const textModel = buildTextTower(buildWordTable(tokens, concepts, space, rng.fork('words')));

  // Readout: features of the training clips from the very graph the audio tower contains.
  const featureRunner = await OnnxRunner.create(buildFeatureModel());
  const nTrain = clipCount(TRAINING_SET, concepts);
  const features = new Float32Array(nTrain * N_FEATURES);
  const targets = new Float64Array(nTrain * concepts.length);
  let row = 0;
  for await (const batch of clipBatches(TRAINING_SET, concepts, rng.fork('training clips'))) {
    const out = await featureRunner.runFloat(
      'input_features',
      batch.inputFeatures,
      [batch.n, 1, batch.nFrames, 64],
      'features',
    );
    features.set(out.data, row * N_FEATURES);
    targets.set(batch.targetsNxK, row * concepts.length);
    row += batch.n;
  }
  await featureRunner.release();
  const readout = fitReadout(features, targets, nTrain);
  const trainingDone = Date.now();
  log(`readout fitted on ${nTrain} clips (${((trainingDone - started) / 1000).toFixed(1)} s)`);

  const audioModel = buildAudioTower(readout, space);
  const audioRunner = await OnnxRunner.create(audioModel);
  const nCalibration = clipCount(CALIBRATION_SET, concepts);
  const calibrationNxD = new Float32Array(nCalibration * space.d);
  const descriptions: string[] = [];
  for await (const batch of clipBatches(CALIBRATION_SET, concepts, rng.fork('calibration clips'))) {
    const out = await audioRunner.runFloat(
      'input_features',
      batch.inputFeatures,
      [batch.n, 1, batch.nFrames, 64],
      'audio_embeds',
    );
    calibrationNxD.set(out.data, descriptions.length * space.d);
    descriptions.push(...batch.descriptions);
  }
  await audioRunner.release();
  const calibrationDone = Date.now();
  log(`calibration set embedded: ${nCalibration} clips (${((calibrationDone - trainingDone) / 1000).toFixed(1)} s)`);

  await writeModelDirectory(options.modelDir, {
    seed,
    concepts,
    d: space.d,
    tokens,
    audioModel,
    textModel,
    calibrationNxD,
    calibrationDescriptions: descriptions,
    trainingClips: nTrain,
  });
  if (options.examplesDir !== undefined) writeDemoAudio(options.examplesDir, rng.fork('demo audio'));
  const total = (Date.now() - started) / 1000;
  log(`wrote ${options.modelDir}${options.examplesDir ? ` and ${options.examplesDir}` : ''} in ${total.toFixed(1)} s`);
  return {
    readout,
    trainingClips: nTrain,
    calibrationClips: nCalibration,
    seconds: { training: (trainingDone - started) / 1000, calibration: (calibrationDone - trainingDone) / 1000, total },
  };
}

/** The repository root, from this package's folder (`tools/demo-model/{src,dist}`). */
export function repoRoot(): string {
  return join(__dirname, '..', '..', '..');
}
