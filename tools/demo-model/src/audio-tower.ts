import { OnnxElemType, OnnxGraph } from '@audio-concepts/shared-onnx-builder';
import { N_MELS } from './clap-preprocessor';
import type { EmbeddingSpace } from './embedding-space';
import { addAudioFeatures } from './features.graph';
import type { Readout } from './readout.fit';

/** Weight of the constant "sound" direction in every audio embedding (concept scores are ~1 when present). */
export const SOUND_DIRECTION_WEIGHT = 0.1;

/**
 * audio_model.onnx: input_features (float32 [batch, 1, frames, 64], transformers.js' ClapFeatureExtractor output)
 * → audio_embeds (float32 [batch, D]) = relu(features · W + b) · U + 0.1 · sound, where U holds the concept
 * directions, which are exactly the text tower's embeddings of the concept names.
 */
export function buildAudioTower(readout: Readout, space: EmbeddingSpace): Uint8Array {
  const { nFeatures: f, nConcepts: k } = readout;
  const g = new OnnxGraph('demo-clap-audio');
  const input = g.input('input_features', OnnxElemType.FLOAT, ['batch_size', 1, 'num_frames', N_MELS]);
  const features = addAudioFeatures(g, input);
  const linear = g.op('Add', [
    g.op('MatMul', [features, g.constant('readout_weights', readout.weightsFxK, [f, k])]),
    g.constant('readout_bias', readout.biasK, [k]),
  ]);
  const scores = g.op('Relu', [linear], {}, ['concept_scores']);
  const sound = Float32Array.from(space.soundD, (x) => x * SOUND_DIRECTION_WEIGHT);
  const embeds = g.op('Add', [
    g.op('MatMul', [scores, g.constant('concept_directions', space.conceptsKxD, [k, space.d])]),
    g.constant('sound_direction', sound, [space.d]),
  ]);
  g.output(embeds, 'audio_embeds', OnnxElemType.FLOAT, ['batch_size', space.d]);
  return g.encode();
}
