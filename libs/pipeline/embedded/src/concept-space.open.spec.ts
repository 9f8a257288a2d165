import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { writeTinyClapModel } from '@audio-concepts/encoder-clap/testing';
import { parseVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { isDemoModel, openConceptSpace } from './concept-space.open';
import { buildConceptSpace } from './concept-space.provider';

const DEMO_MODEL_DIR = resolve(__dirname, '..', '..', '..', '..', 'models', 'clap-demo');
let dir: string;
let tinyModel: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'open-space-'));
  tinyModel = (await writeTinyClapModel(join(dir, 'model'), { dimension: 16 })).dir;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openConceptSpace', () => {
  it('builds the space buildConceptSpace builds from the same model, vocabulary and calibration', async () => {
    const vocabularyFile = join(dir, 'sounds.txt');
    writeFileSync(vocabularyFile, 'rain\nthunder\ndog barking\nmusic\n');
    const opened = await openConceptSpace({
      modelPath: tinyModel,
      vocab: vocabularyFile,
      cacheDir: join(dir, 'cache'),
    });
    const encoder = await ClapEncoder.load(tinyModel);
    const reference = await buildConceptSpace({
      encoder,
      vocabulary: parseVocabulary('rain\nthunder\ndog barking\nmusic\n', 'sounds.txt'),
      calibration: { kind: 'model', modelDir: tinyModel },
      cacheDir: join(dir, 'cache-reference'),
    });
    try {
      expect(opened.isDemo).toBe(false);
      expect(opened.vocabulary.terms).toEqual(['rain', 'thunder', 'dog barking', 'music']);
      expect(opened.space.id).toBe(reference.id);
      expect(opened.space.audioMeanSource).toBe('none');
    } finally {
      await reference.close();
      await encoder.close();
      await opened.close();
    }
    await expect(opened.encoder.encodeText(['rain'])).rejects.toThrow('this ClapEncoder has been closed');
  });

  it('uses the demo vocabulary and the shipped calibration set for the demo model', async () => {
    const opened = await openConceptSpace({ modelPath: DEMO_MODEL_DIR, cacheDir: join(dir, 'cache') });
    try {
      expect(opened.isDemo).toBe(true);
      expect(opened.vocabulary.name).toBe('demo');
      expect(opened.space.metadata.vocabulary).toBe('demo');
      expect(opened.space.audioMeanSource).toBe('calibration');
    } finally {
      await opened.close();
    }
  });

  it('fails with the vocabulary error for an unknown vocabulary', async () => {
    await expect(
      openConceptSpace({ modelPath: tinyModel, vocab: join(dir, 'missing.txt'), cacheDir: join(dir, 'cache') }),
    ).rejects.toThrow(/vocabulary '.*missing\.txt' is neither built in .* nor a file/);
  });
});

describe('isDemoModel', () => {
  it('is true only for a model whose config.json says "demo": true', () => {
    expect(isDemoModel(DEMO_MODEL_DIR)).toBe(true);
    expect(isDemoModel(tinyModel)).toBe(false);
    expect(isDemoModel(join(dir, 'no-such-model'))).toBe(false);
  });
});
