import { join } from 'node:path';
import { ClapEncoder } from '@audio-concepts/encoder-clap';
import { openAudio, windowAudio, type AudioWindow } from '@audio-concepts/ingest-audio';
import { ConceptSpace } from '@audio-concepts/decomposer-concepts';
import { readNpy } from '@audio-concepts/shared-npy';
import { loadVocabulary } from '@audio-concepts/decomposer-vocabulary';

/** One 10 s window of a file (or its shorter tail) and its top concepts. */
export interface TaggedWindow {
  startS: number;
  endS: number;
  /** Concept names by decreasing weight, at most `top`. */
  top: string[];
}

/**
 * Tags audio files the way `audio-concepts tag` does, with the production code of each step: `openAudio` and
 * `windowAudio` (10 s windows and a shorter tail) from `@audio-concepts/ingest-audio`, `ClapEncoder` from
 * `@audio-concepts/encoder-clap` (which repeat-pads a short window as CLAP does), and the concept space of the
 * `demo` vocabulary with m_a from the model's calibration embeddings.
 */
export class EncoderTagger {
  private constructor(
    readonly encoder: ClapEncoder,
    readonly space: ConceptSpace,
  ) {}

  static async load(modelDir: string): Promise<EncoderTagger> {
    const encoder = await ClapEncoder.load(modelDir, { device: 'cpu' });
    const { terms } = await loadVocabulary('demo');
    const calibration = await readNpy(join(modelDir, 'calibration', 'audio_embeddings.npy'));
    const space = ConceptSpace.build({
      names: terms,
      textEmbeddingsCxD: await encoder.encodeText(terms),
      d: encoder.dimension,
      audioReferenceNxD: calibration.data as Float32Array,
      modelId: encoder.modelId,
      vocabulary: 'demo',
    });
    return new EncoderTagger(encoder, space);
  }

  /** The windows of one audio file, as `audio-concepts tag` cuts them, and their embeddings (windows × d). */
  async embed(path: string): Promise<{ windows: AudioWindow[]; embeddingsNxD: Float32Array }> {
    const { sampleRate, windowSamples } = this.encoder;
    const audio = await openAudio(path, { sampleRate });
    const windows: AudioWindow[] = [];
    for await (const w of windowAudio(audio, { sampleRate, windowS: windowSamples / sampleRate })) windows.push(w);
    return { windows, embeddingsNxD: await this.encoder.encodeAudio(windows.map((w) => w.samples)) };
  }

  /** The top `top` concept names of each embedding row (by decreasing weight) at `lambda`. */
  async topConcepts(embeddingsNxD: Float32Array, lambda: number, top: number): Promise<string[][]> {
    const n = embeddingsNxD.length / this.space.d;
    const { weights } = await this.space.decompose(embeddingsNxD, n, { lambda });
    const c = this.space.c;
    return Array.from({ length: n }, (_, i) =>
      this.space.topConcepts(weights.subarray(i * c, (i + 1) * c), top).map((t) => t.label),
    );
  }

  /** The windows of one audio file, each with its top `top` concepts at `lambda`. */
  async tag(path: string, lambda: number, top: number): Promise<TaggedWindow[]> {
    const { windows, embeddingsNxD } = await this.embed(path);
    const tops = await this.topConcepts(embeddingsNxD, lambda, top);
    return windows.map((w, i) => ({ startS: w.startS, endS: w.endS, top: tops[i] }));
  }

  async close(): Promise<void> {
    await this.space.close();
    await this.encoder.close();
  }
}
