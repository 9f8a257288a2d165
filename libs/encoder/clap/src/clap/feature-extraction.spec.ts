import { FormatError } from '@audio-concepts/shared-errors';
import { describe, expect, it } from 'vitest';
import { TINY_CLAP_PREPROCESSOR_CONFIG } from '../testing';
import { loadTransformersJs } from '../transformers-js';
import { ClapFeatureExtraction, padWindow, parseClapPreprocessorConfig } from './feature-extraction';

const CONFIG = { ...TINY_CLAP_PREPROCESSOR_CONFIG } as Record<string, unknown>;

function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i + 1);
}

describe("transformers.js' ClapFeatureExtractor", () => {
  it('gives input_features of shape [1, 1, 1001, 64] for 10 s at 48 kHz', async () => {
    const { ClapFeatureExtractor } = await loadTransformersJs();
    const extractor = new ClapFeatureExtractor(CONFIG);
    const tenSeconds = Float32Array.from({ length: 480000 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 48000));
    const { input_features } = await extractor(tenSeconds);
    expect(input_features.dims).toEqual([1, 1, 1001, 64]);
    expect(input_features.data).toBeInstanceOf(Float32Array);
  });
});

describe('padWindow (CLAP repeat-pad, Python reference semantics)', () => {
  it("'repeatpad' tiles ⌊N / n⌋ copies and zero-fills the rest", () => {
    const padded = padWindow(ramp(3), 10, 'repeatpad');
    expect(Array.from(padded)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 0]);
  });

  it("'repeatpad' fills the window exactly when n divides N (transformers.js tiles one copy fewer)", () => {
    expect(Array.from(padWindow(ramp(5), 10, 'repeatpad'))).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
    expect(Array.from(padWindow(ramp(2), 6, 'repeatpad'))).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it("'repeat' tiles until full; other strategies zero-fill; a full window is returned as is", () => {
    expect(Array.from(padWindow(ramp(3), 10, 'repeat'))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1]);
    expect(Array.from(padWindow(ramp(3), 5, 'pad'))).toEqual([1, 2, 3, 0, 0]);
    const full = ramp(4);
    expect(padWindow(full, 4, 'repeatpad')).toBe(full);
    expect(Array.from(padWindow(ramp(6), 10, 'repeatpad'))).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0, 0]);
  });
});

describe('ClapFeatureExtraction', () => {
  it('stacks per-window features into [n, 1, frames, mels], short windows padded one at a time', async () => {
    const fx = await ClapFeatureExtraction.create(parseClapPreprocessorConfig(CONFIG, 'p.json'));
    const clip = Float32Array.from({ length: 144000 }, (_, i) => Math.sin(i / 7) * 0.5);
    const tiled = new Float32Array(480000);
    for (let at = 0; at < 432000; at += 144000) tiled.set(clip, at);
    const { data, shape } = await fx.extract([clip, tiled]);
    expect(shape).toEqual([2, 1, 1001, 64]);
    const frame = 1001 * 64;
    expect(Array.from(data.subarray(0, frame))).toEqual(Array.from(data.subarray(frame)));
    expect(await fx.extract([])).toEqual({ data: new Float32Array(0), shape: [0, 1, 0, 64] });
  });
});

describe('parseClapPreprocessorConfig', () => {
  it('reads the CLAP settings', () => {
    const config = parseClapPreprocessorConfig(CONFIG, 'p.json');
    expect([config.sampling_rate, config.nb_max_samples, config.padding]).toEqual([48000, 480000, 'repeatpad']);
  });

  it('rejects another extractor, a missing number and fusion, naming the file and key', () => {
    const bad =
      (patch: Record<string, unknown>): (() => unknown) =>
      () =>
        parseClapPreprocessorConfig({ ...CONFIG, ...patch }, '/m/preprocessor_config.json');
    expect(bad({ feature_extractor_type: 'WhisperFeatureExtractor' })).toThrow(FormatError);
    expect(bad({ feature_extractor_type: 'WhisperFeatureExtractor' })).toThrow(
      '/m/preprocessor_config.json: feature_extractor_type is "WhisperFeatureExtractor", expected "ClapFeatureExtractor"',
    );
    expect(bad({ nb_max_samples: undefined })).toThrow('nb_max_samples must be a positive number, found undefined');
    expect(bad({ hop_length: 480.5 })).toThrow('hop_length must be an integer');
    expect(bad({ truncation: 'fusion' })).toThrow('truncation "fusion"');
  });
});
