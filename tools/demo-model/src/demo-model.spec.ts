import { padWindow } from '@audio-concepts/encoder-clap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConceptSpace, cosine } from '@audio-concepts/decomposer-concepts';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAP_PREPROCESSOR_CONFIG, createClapFeatureExtractor, logMelFeatures } from './clap-preprocessor';
import { DEMO_FILES } from './demo-audio';
import { generateDemoModel, repoRoot } from './generate';
import { EncoderTagger } from './testing/encoder-tagger';
import { ModelProbe } from './testing/model-probe';
import {
  MIXTURE_SOUNDS,
  SINGLE_SOUNDS,
  makeTestSounds,
  soundToolsAvailable,
  type TestSound,
} from './testing/test-sounds';
import { readWav16 } from './testing/wav.reader';
import { audioSetClassNames } from './vocabulary';
import { loadDemoConcepts, SAMPLE_RATE, type Concept } from './world';

const MODEL_DIR = join(repoRoot(), 'models', 'clap-demo');
const EXAMPLES_DIR = join(repoRoot(), 'examples', 'audio');
/** The decomposition's λ for these checks (DESIGN §1); the checks also hold at 0.02 and 0.15. */
const LAMBDA = 0.05;
const LAMBDAS = [0.02, LAMBDA, 0.15];
/** Generating the model takes ~30 s on a 2-core machine. */
const GENERATE_TIMEOUT_MS = 240_000;

/** The top `k` concepts of each row of a decomposition. */
async function topConcepts(
  space: ConceptSpace,
  embeddingsNxD: Float32Array,
  lambda: number,
  k: number,
): Promise<string[][]> {
  const n = embeddingsNxD.length / space.d;
  const { weights } = await space.decompose(embeddingsNxD, n, { lambda });
  return Array.from({ length: n }, (_, i) =>
    space.topConcepts(weights.subarray(i * space.c, (i + 1) * space.c), k).map((c) => c.label),
  );
}

let probe: ModelProbe;
let space: ConceptSpace;
let tagger: EncoderTagger;
/** The demo concepts, in the order of the `demo` vocabulary. */
let concepts: readonly Concept[];

beforeAll(async () => {
  // `npm run build` (which nx runs before the tests) writes the model; build it here when it is missing.
  if (!existsSync(join(MODEL_DIR, 'config.json')))
    await generateDemoModel({ modelDir: MODEL_DIR, examplesDir: EXAMPLES_DIR });
  concepts = await loadDemoConcepts();
  probe = await ModelProbe.load(MODEL_DIR);
  space = await probe.conceptSpace();
  tagger = await EncoderTagger.load(MODEL_DIR);
}, GENERATE_TIMEOUT_MS);

afterAll(async () => {
  await space?.close();
  await probe?.dispose();
  await tagger?.close();
});

describe('model directory (transformers.js layout)', () => {
  it('has every file, with CLAP’s preprocessor settings and a config that says it is a demo', () => {
    for (const file of [
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'onnx/audio_model.onnx',
      'onnx/text_model.onnx',
      'calibration/audio_embeddings.npy',
      'vocabulary.txt',
      'README.md',
    ])
      expect(existsSync(join(MODEL_DIR, file)), file).toBe(true);
    const config = JSON.parse(readFileSync(join(MODEL_DIR, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'clap', projection_dim: 512, demo: true });
    expect(JSON.parse(readFileSync(join(MODEL_DIR, 'preprocessor_config.json'), 'utf8'))).toEqual(
      CLAP_PREPROCESSOR_CONFIG,
    );
    expect(readFileSync(join(MODEL_DIR, 'vocabulary.txt'), 'utf8')).toBe(concepts.map((c) => `${c}\n`).join(''));
    expect(readFileSync(join(MODEL_DIR, 'README.md'), 'utf8')).toMatch(
      /not a CLAP model[\s\S]*Xenova\/clap-htsat-unfused/,
    );
  });

  it('ships ~200 calibration embeddings of dimension 512', () => {
    expect(probe.d).toBe(512);
    expect(probe.calibrationNxD.length / probe.d).toBe(200);
  });
});

describe('tokenizer (AutoTokenizer, offline)', () => {
  it('knows every word of every AudioSet class name (the `audioset` vocabulary) and of the demo concepts', async () => {
    const unknown = [...(await audioSetClassNames()), ...concepts].filter((name) => probe.tokenize(name).includes(1));
    expect(unknown).toEqual([]);
  });

  it('lowercases, wraps in [CLS] … [SEP], and maps unknown words to [UNK]', () => {
    expect(probe.tokenize('White NOISE')).toEqual(probe.tokenize('white noise'));
    const ids = probe.tokenize('a zorblax sound');
    expect(ids[0]).toBe(2);
    expect(ids.at(-1)).toBe(3);
    expect(ids).toContain(1);
  });
});

describe.skipIf(!soundToolsAvailable())('on sounds made by sox and ffmpeg', () => {
  const embeddings = new Map<string, Float32Array>();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-model-sounds-'));
    for (const [name, path] of makeTestSounds(dir))
      embeddings.set(name, await probe.embedAudio(readWav16(path).samples));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const embed = (sounds: readonly TestSound[]) => {
    const out = new Float32Array(sounds.length * probe.d);
    sounds.forEach((s, i) => out.set(embeddings.get(s.name)!, i * probe.d));
    return out;
  };

  it('the text and audio towers agree: a 1 kHz sine is nearest to "tone" among the concept names and prompts', async () => {
    const audio = embeddings.get('tone')!;
    for (const template of ['{}', 'This is a sound of {}.']) {
      const texts = await probe.embedTexts(concepts.map((c) => template.replace('{}', c)));
      const cosines = concepts.map((_, k) => cosine(probe.d, audio, 1, 0, texts, 1, k * probe.d));
      expect(concepts[cosines.indexOf(Math.max(...cosines))], template).toBe('tone');
    }
  });

  it.each(LAMBDAS)('each concept’s sound has that concept as its top-weighted concept (λ = %s)', async (lambda) => {
    const top = await topConcepts(space, embed(SINGLE_SOUNDS), lambda, 1);
    expect(SINGLE_SOUNDS.map((s, i) => [s.name, top[i][0]])).toEqual(SINGLE_SOUNDS.map((s) => [s.name, s.concepts[0]]));
  });

  it.each(LAMBDAS)('a mixture of two has both among its top 3 concepts (λ = %s)', async (lambda) => {
    const top = await topConcepts(space, embed(MIXTURE_SOUNDS), lambda, 3);
    const missing = MIXTURE_SOUNDS.map((s, i) => [s.name, s.concepts.filter((c) => !top[i].includes(c)), top[i]]);
    expect(missing.filter(([, m]) => m.length > 0)).toEqual([]);
  });
});

/** The lengths checked through the encoder: short clips (repeat-padded), a full window, and a window plus a tail. */
const DURATIONS_S = [1, 2.5, 4, 6, 7.5, 9.9, 10, 14];
/** Mixtures are checked at a length the encoder pads with 4 s of digital silence. */
const MIXTURE_SECONDS = 6;

describe.skipIf(!soundToolsAvailable())('sounds of any length, as `audio-concepts tag` reads and encodes them', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'demo-model-lengths-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the generator pads short training clips exactly as ClapEncoder pads a short window', async () => {
    const session = await ort.InferenceSession.create(join(MODEL_DIR, 'onnx', 'audio_model.onnx'));
    const extractor = createClapFeatureExtractor();
    const window = CLAP_PREPROCESSOR_CONFIG.nb_max_samples;
    const embedPadded = async (clip: Float32Array) => {
      const mel = await logMelFeatures(extractor, clip);
      const out = await session.run({
        input_features: new ort.Tensor('float32', mel.data, [1, 1, mel.nFrames, 64]),
      });
      const e = out.audio_embeds.data as Float32Array;
      const norm = Math.hypot(...e);
      return e.map((v) => v / norm);
    };
    try {
      // 1 s and 2.5 s divide the window (10 and 4 copies), 4 s and 6.5 s leave zeros after 2 copies and 1. Each
      // clip is a tone for its first 40 % and silent after, so that its copies beep.
      for (const seconds of [1, 2.5, 4, 6.5]) {
        const n = seconds * SAMPLE_RATE;
        const clip = Float32Array.from({ length: n }, (_, i) =>
          i < 0.4 * n ? 0.3 * Math.sin((2 * Math.PI * 700 * i) / SAMPLE_RATE) : 0,
        );
        const encoder = await tagger.encoder.encodeAudio([clip]);
        const ours = await embedPadded(padWindow(clip, window, 'repeatpad'));
        expect(Math.max(...encoder.map((v, j) => Math.abs(v - ours[j]))), `${seconds} s`).toBeLessThan(1e-5);
        // The check can fail: plain zero padding (one tone, then silence) would embed the 2.5 s clip differently.
        if (seconds === 2.5) {
          const zeroPadded = new Float32Array(window);
          zeroPadded.set(clip);
          const other = await embedPadded(zeroPadded);
          expect(Math.max(...encoder.map((v, j) => Math.abs(v - other[j])))).toBeGreaterThan(1e-2);
        }
      }
    } finally {
      await session.release();
    }
  });

  it.each(DURATIONS_S)(
    'each concept’s sound of %s s has that concept first in every window (at each λ)',
    async (seconds) => {
      const paths = makeTestSounds(join(dir, `${seconds}s`), { seconds, sounds: SINGLE_SOUNDS });
      const wrong: string[] = [];
      for (const sound of SINGLE_SOUNDS) {
        const { windows, embeddingsNxD } = await tagger.embed(paths.get(sound.name)!);
        expect(windows.map((w) => w.endS)).toEqual(seconds > 10 ? [10, seconds] : [seconds]);
        for (const lambda of LAMBDAS) {
          const top = await tagger.topConcepts(embeddingsNxD, lambda, 3);
          windows.forEach((w, i) => {
            if (top[i][0] !== sound.concepts[0])
              wrong.push(`${sound.name} ${w.startS}–${w.endS} s, λ = ${lambda}: ${top[i].join(', ')}`);
          });
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it(`a mixture of two, ${MIXTURE_SECONDS} s long, has both among its top 3 concepts (at each λ)`, async () => {
    const paths = makeTestSounds(join(dir, 'mixtures'), { seconds: MIXTURE_SECONDS });
    const wrong: string[] = [];
    for (const sound of MIXTURE_SOUNDS) {
      const { embeddingsNxD } = await tagger.embed(paths.get(sound.name)!);
      for (const lambda of LAMBDAS) {
        const [top] = await tagger.topConcepts(embeddingsNxD, lambda, 3);
        if (!sound.concepts.every((c) => top.includes(c)))
          wrong.push(`${sound.name}, λ = ${lambda}: ${top.join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('demo audio (examples/audio)', () => {
  it('is 48 kHz mono 16-bit, 12–35 s, and listed in its README', () => {
    const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');
    expect(
      readdirSync(EXAMPLES_DIR)
        .filter((f) => f.endsWith('.wav'))
        .sort(),
    ).toEqual(DEMO_FILES.map((f) => f.name).sort());
    for (const file of DEMO_FILES) {
      const wav = readWav16(join(EXAMPLES_DIR, file.name));
      expect(wav.sampleRate).toBe(48_000);
      expect(wav.channels).toBe(1);
      expect(wav.samples.length / 48_000).toBe(file.seconds);
      expect(file.seconds).toBeGreaterThanOrEqual(12);
      expect(file.seconds).toBeLessThanOrEqual(35);
      expect(readme).toContain(`## ${file.name}`);
    }
  });

  it.each(LAMBDAS)(
    'each window, tails included, is tagged with what its README says sounds there (encoder, λ = %s)',
    async (lambda) => {
      const wrong: string[] = [];
      for (const file of DEMO_FILES) {
        // As `audio-concepts tag` reads it: 10 s windows and a shorter tail (tone.wav: 2 s), repeat-padded.
        const windows = await tagger.tag(join(EXAMPLES_DIR, file.name), lambda, 3);
        expect(windows.map((w) => w.endS)).toEqual(
          Array.from({ length: Math.ceil(file.seconds / 10) }, (_, i) => Math.min(10 * (i + 1), file.seconds)),
        );
        for (const { startS, endS, top } of windows) {
          // Ingredients sounding for at least 3 s of the window (or half of a shorter tail).
          const present = file.layers
            .filter((l) => Math.min(l.to, endS) - Math.max(l.from, startS) >= Math.min(3, (endS - startS) / 2))
            .map((l) => l.concept);
          expect(present.length).toBeGreaterThan(0);
          // Each of them among the top (number of ingredients + 1).
          if (!present.every((c) => top.slice(0, present.length + 1).includes(c)))
            wrong.push(`${file.name} ${startS}–${endS} s: expected ${present.join(' + ')}, got ${top.join(', ')}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );
});

describe('audio tower', () => {
  // Its speed is a benchmark figure (npm run bench:encoder), not something a test asserts.
  it('embeds a batch of 8 ten-second windows into 8 finite 512-d embeddings', async () => {
    const session = await ort.InferenceSession.create(join(MODEL_DIR, 'onnx', 'audio_model.onnx'));
    try {
      const frames = 1001;
      const data = new Float32Array(8 * frames * 64);
      for (let i = 0; i < data.length; i++) data[i] = -100 + 120 * Math.abs(Math.sin(i * 0.37));
      const out = await session.run({ input_features: new ort.Tensor('float32', data, [8, 1, frames, 64]) });
      expect(out.audio_embeds.dims).toEqual([8, 512]);
      expect(Array.from(out.audio_embeds.data as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  });
});

describe('generator', () => {
  it(
    'is deterministic: generating again gives byte-identical model files and audio',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'demo-model-again-'));
      try {
        await generateDemoModel({ modelDir: join(out, 'model'), examplesDir: join(out, 'audio') });
        const files = (root: string) =>
          readdirSync(root, { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
            .sort();
        for (const [built, again] of [
          [MODEL_DIR, join(out, 'model')],
          [EXAMPLES_DIR, join(out, 'audio')],
        ]) {
          expect(files(again)).toEqual(files(built));
          for (const file of files(built))
            expect(readFileSync(join(again, file)).equals(readFileSync(join(built, file))), file).toBe(true);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    GENERATE_TIMEOUT_MS,
  );
});
