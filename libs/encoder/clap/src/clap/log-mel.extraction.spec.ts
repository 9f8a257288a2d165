import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapEncoder } from '../clap-encoder';
import { TINY_CLAP_PREPROCESSOR_CONFIG, writeTinyClapModel } from '../testing';
import { ClapFeatureExtraction, parseClapPreprocessorConfig } from './feature-extraction';
import { LogMelGraphExtraction } from './log-mel.extraction';

const CONFIG = parseClapPreprocessorConfig({ ...TINY_CLAP_PREPROCESSOR_CONFIG }, 'preprocessor_config.json');
const RATE = 48000;

/** Mono float32 PCM at 48 kHz of an ffmpeg lavfi source (ffmpeg is one of the test machine's packages). */
function ffmpegPcm(source: string, seconds: number, offsetSeconds = 0): Float32Array {
  const out = execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `${source}:d=${seconds + offsetSeconds}`,
      '-ss',
      String(offsetSeconds),
    ].concat(['-ac', '1', '-ar', String(RATE), '-f', 'f32le', '-']),
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4).slice(0, Math.round(seconds * RATE));
}

/** The signals of the parity check: short (repeat-padded), exact-length, a window out of a long file, near-silent. */
const SIGNALS: Record<string, () => Float32Array> = {
  'a 2.5 s sine (repeat-padded)': () => ffmpegPcm('sine=frequency=440:sample_rate=48000', 2.5),
  'a 0.3 s chirp (many copies)': () => ffmpegPcm("aevalsrc='0.5*sin(2*PI*(200+4000*t)*t)':s=48000", 0.3),
  'exactly 10 s of pink noise': () => ffmpegPcm('anoisesrc=color=pink:amplitude=0.3:seed=7:r=48000', 10),
  'the third 10 s window of a 30 s tone and noise mix': () =>
    ffmpegPcm("aevalsrc='0.4*sin(2*PI*1000*t)+0.05*random(0)':s=48000", 10, 20),
  'a near-silent 7 s hum (−80 dBFS)': () => ffmpegPcm("aevalsrc='1e-4*sin(2*PI*60*t)':s=48000", 7),
};

describe('log-mel features in an onnxruntime graph', () => {
  let graph: LogMelGraphExtraction;
  let js: ClapFeatureExtraction;
  beforeAll(async () => {
    js = await ClapFeatureExtraction.create(CONFIG);
    graph = await LogMelGraphExtraction.create(js, { provider: 'cpu' });
  });
  afterAll(async () => graph.close());

  for (const [name, make] of Object.entries(SIGNALS))
    it(`match transformers.js' ClapFeatureExtractor to 1e-4 on ${name}`, async () => {
      const window = make();
      const [fromGraph, fromJs] = await Promise.all([graph.extract([window]), js.extract([window])]);
      expect(fromGraph.shape).toEqual([1, 1, 1001, 64]);
      expect(fromGraph.shape).toEqual(fromJs.shape);
      let worst = 0;
      for (let i = 0; i < fromJs.data.length; i++)
        worst = Math.max(worst, Math.abs(fromGraph.data[i] - fromJs.data[i]));
      expect(worst).toBeLessThan(1e-4);
      // the features are not trivially equal: a real spectrum, not the floor everywhere
      expect(Math.max(...fromJs.data) - Math.min(...fromJs.data)).toBeGreaterThan(20);
    });

  it("takes the spectrum as a float64 GEMM (the GPU's way) to the same features", async () => {
    const byMatMul = await LogMelGraphExtraction.create(js, { provider: 'cpu', spectrum: 'matmul' });
    try {
      const windows = [SIGNALS['a 0.3 s chirp (many copies)'](), SIGNALS['a near-silent 7 s hum (−80 dBFS)']()];
      const [a, b] = await Promise.all([byMatMul.extract(windows), js.extract(windows)]);
      expect(a.shape).toEqual(b.shape);
      let worst = 0;
      for (let i = 0; i < b.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
      expect(worst).toBeLessThan(1e-4);
    } finally {
      await byMatMul.close();
    }
  });

  it('pads each window of a batch on its own: a batch gives each window its own features', async () => {
    const windows = [SIGNALS['a 2.5 s sine (repeat-padded)'](), SIGNALS['exactly 10 s of pink noise']()];
    const batch = await graph.extract(windows);
    const alone = await graph.extract([windows[1]]);
    expect(batch.shape).toEqual([2, 1, 1001, 64]);
    expect(Array.from(batch.data.subarray(1001 * 64))).toEqual(Array.from(alone.data));
  });
});

describe('ClapEncoder: features from the graph (default) or from JavaScript', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'log-mel-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives the same embeddings either way (cosine ≥ 1 − 1e-5) and says which path it took', async () => {
    const model = await writeTinyClapModel(join(root, 'model'), { dimension: 16 });
    const byGraph = await ClapEncoder.load(model.dir, { device: 'cpu', features: 'graph' });
    const byJs = await ClapEncoder.load(model.dir, { device: 'cpu', features: 'js' });
    try {
      expect(byGraph.featurePath).toBe('graph');
      expect(byGraph.featureFallback).toBeUndefined();
      expect(byJs.featurePath).toBe('js');
      const windows = Object.values(SIGNALS).map((make) => make());
      const [a, b] = await Promise.all([byGraph.encodeAudio(windows), byJs.encodeAudio(windows)]);
      for (let r = 0; r < windows.length; r++) {
        let dot = 0;
        for (let k = 0; k < 16; k++) dot += a[r * 16 + k] * b[r * 16 + k];
        expect(dot).toBeGreaterThan(1 - 1e-5);
      }
    } finally {
      await Promise.all([byGraph.close(), byJs.close()]);
    }
  });

  it("'auto' (the default): the graph where the towers run on CUDA, JavaScript on the CPU", async () => {
    const encoder = await ClapEncoder.load(join(root, 'model'), { lazyTextTower: true });
    try {
      expect(encoder.featurePath).toBe(encoder.provider === 'cuda' ? 'graph' : 'js');
      expect(encoder.featureFallback).toBeUndefined();
    } finally {
      await encoder.close();
    }
  });

  it('refuses a features path it does not know', async () => {
    await expect(ClapEncoder.load(join(root, 'model'), { features: 'gpu' as never })).rejects.toThrow(
      `features must be 'auto', 'graph' or 'js', got "gpu"`,
    );
  });
});
