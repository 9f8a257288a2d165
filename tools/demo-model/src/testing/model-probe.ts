import { basename, dirname } from 'node:path';
import { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { readNpy } from '@audio-concepts/shared-npy';
import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';
import { transformers } from '../transformers';

/**
 * The demo model as a consumer loads it: transformers.js' AutoTokenizer, AutoProcessor and the CLAP model classes
 * on the model directory, offline. Embeds texts and 48 kHz audio, and builds the concept space over the demo
 * vocabulary with m_a from the shipped calibration embeddings.
 */
export class ModelProbe {
  private constructor(
    readonly d: number,
    private readonly tokenizer: Awaited<ReturnType<typeof transformers.AutoTokenizer.from_pretrained>>,
    private readonly processor: Awaited<ReturnType<typeof transformers.AutoProcessor.from_pretrained>>,
    private readonly textModel: Awaited<ReturnType<typeof transformers.ClapTextModelWithProjection.from_pretrained>>,
    private readonly audioModel: Awaited<ReturnType<typeof transformers.ClapAudioModelWithProjection.from_pretrained>>,
    readonly calibrationNxD: Float32Array,
  ) {}

  static async load(modelDir: string): Promise<ModelProbe> {
    transformers.env.allowRemoteModels = false;
    transformers.env.localModelPath = dirname(modelDir);
    const id = basename(modelDir);
    const tokenizer = await transformers.AutoTokenizer.from_pretrained(id);
    const processor = await transformers.AutoProcessor.from_pretrained(id);
    const textModel = await transformers.ClapTextModelWithProjection.from_pretrained(id, { dtype: 'fp32' });
    const audioModel = await transformers.ClapAudioModelWithProjection.from_pretrained(id, { dtype: 'fp32' });
    const calibration = await readNpy(`${modelDir}/calibration/audio_embeddings.npy`);
    return new ModelProbe(
      calibration.shape[1],
      tokenizer,
      processor,
      textModel,
      audioModel,
      calibration.data as Float32Array,
    );
  }

  /** Token ids of one text, special tokens included. */
  tokenize(text: string): number[] {
    return (this.tokenizer(text).input_ids.tolist() as bigint[][])[0].map(Number);
  }

  /** text_embeds, texts × d. */
  async embedTexts(texts: readonly string[]): Promise<Float32Array> {
    const inputs = this.tokenizer([...texts], { padding: true, truncation: true });
    const { text_embeds } = await this.textModel(inputs);
    return text_embeds.data as Float32Array;
  }

  /** audio_embeds of one clip of at most 10 s (48 kHz mono), length d. */
  async embedAudio(samples: Float32Array): Promise<Float32Array> {
    const inputs = await this.processor(samples);
    const { audio_embeds } = await this.audioModel(inputs);
    return audio_embeds.data as Float32Array;
  }

  /** The concept space of DESIGN §1 over the demo vocabulary, m_a from the calibration embeddings. */
  async conceptSpace(): Promise<ConceptSpace> {
    const { terms } = await loadVocabulary('demo');
    return ConceptSpace.build({
      names: terms,
      textEmbeddingsCxD: await this.embedTexts(terms),
      d: this.d,
      audioReferenceNxD: this.calibrationNxD,
      modelId: 'clap-demo',
      vocabulary: 'demo',
    });
  }

  async dispose(): Promise<void> {
    await this.textModel.dispose();
    await this.audioModel.dispose();
  }
}
