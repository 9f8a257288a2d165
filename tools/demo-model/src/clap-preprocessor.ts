import type { ClapFeatureExtractor } from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import { transformers } from './transformers';

/**
 * `preprocessor_config.json` exactly as laion/clap-htsat-unfused ships it (transformers' ClapFeatureExtractor):
 * 48 kHz, 1024-point STFT with hop 480, 64 Slaney mel bins from 50 Hz to 14 kHz in dB, 10 s windows, short clips
 * repeat-padded, long ones randomly cropped. A 10 s window gives input_features of shape [1, 1, 1001, 64].
 */
export const CLAP_PREPROCESSOR_CONFIG = {
  chunk_length_s: 10,
  feature_extractor_type: 'ClapFeatureExtractor',
  feature_size: 64,
  fft_window_size: 1024,
  frequency_max: 14000,
  frequency_min: 50,
  hop_length: 480,
  max_length_s: 10,
  n_fft: 1024,
  nb_frequency_bins: 513,
  nb_max_frames: 1000,
  nb_max_samples: 480000,
  padding: 'repeatpad',
  padding_side: 'right',
  padding_value: 0.0,
  return_attention_mask: false,
  sampling_rate: 48000,
  top_db: null,
  truncation: 'rand_trunc',
} as const;

/** Number of mel bins (the last axis of input_features). */
export const N_MELS = CLAP_PREPROCESSOR_CONFIG.feature_size;

/** transformers.js' own ClapFeatureExtractor with CLAP's settings: the features the model sees at inference. */
export function createClapFeatureExtractor(): ClapFeatureExtractor {
  return new transformers.ClapFeatureExtractor(CLAP_PREPROCESSOR_CONFIG);
}

/** input_features of one clip of at most 10 s: float32 [1, 1, nFrames, 64], flat. */
export async function logMelFeatures(
  extractor: ClapFeatureExtractor,
  samples: Float32Array,
): Promise<{ data: Float32Array; nFrames: number }> {
  const { input_features } = await extractor(samples);
  const [, , nFrames] = input_features.dims;
  return { data: input_features.data as Float32Array, nFrames };
}
