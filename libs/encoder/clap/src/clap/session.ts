import * as ort from 'onnxruntime-node';
import { AudioConceptsError, FormatError } from '@audio-concepts/shared-errors';
import { openSessions, type ExecutionProvider, type SessionDeps, type SessionOptions } from '../execution-provider';
import type { ClapFeatures } from './feature-extraction';

/** Tensor names of the transformers.js CLAP exports (DESIGN §2). */
export const CLAP_AUDIO_INPUT = 'input_features';
export const CLAP_AUDIO_OUTPUT = 'audio_embeds';
export const CLAP_TEXT_OUTPUT = 'text_embeds';
/** Text inputs we can feed; `token_type_ids` (zeros) only for BERT-style exports that declare it. */
const TEXT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

/** Token ids and mask of a batch, [n, seq] row-major int64. */
export interface ClapTokens {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  shape: [number, number];
}

/**
 * The audio and text towers of one CLAP model as onnxruntime sessions. Outputs are raw (not normalized).
 * With `lazyText` the text tower is opened (and checked) on the first `runText`: callers that only encode audio
 * (`tag --space`) never load it.
 */
export class ClapSessions {
  private closed = false;
  private textSession: Promise<ort.InferenceSession> | undefined;

  private constructor(
    private readonly audio: ort.InferenceSession,
    text: ort.InferenceSession | undefined,
    private readonly openText: () => Promise<ort.InferenceSession>,
    readonly provider: ExecutionProvider,
    readonly dimension: number,
  ) {
    if (text) this.textSession = Promise.resolve(text);
  }

  /**
   * Opens the towers, checks their tensor names and finds D (output shape, else a one-token text probe). With
   * `lazyText` and an audio tower that declares D, the text tower waits for the first `runText`.
   */
  static async open(
    paths: { audio: string; text: string },
    options: SessionOptions & { lazyText?: boolean },
    deps?: SessionDeps,
  ): Promise<ClapSessions> {
    const { sessions, provider } = await openSessions([paths.audio], options, deps);
    const [audio] = sessions;
    try {
      checkNames(audio, paths.audio, [CLAP_AUDIO_INPUT], [CLAP_AUDIO_INPUT], CLAP_AUDIO_OUTPUT);
      const audioD = staticLastDim(audio, CLAP_AUDIO_OUTPUT);
      // The text tower on the provider the audio tower got, checked against the audio tower's D; released again
      // when the check fails.
      const openText = async (): Promise<{ session: ort.InferenceSession; d: number }> => {
        const session = (await openSessions([paths.text], { ...options, device: provider }, deps)).sessions[0];
        try {
          return { session, d: await checkTextTower(session, paths, audioD) };
        } catch (e) {
          await session.release();
          throw e;
        }
      };
      const openTextSession = async () => (await openText()).session;
      if (options.lazyText && audioD !== undefined)
        return new ClapSessions(audio, undefined, openTextSession, provider, audioD);
      const text = await openText();
      return new ClapSessions(audio, text.session, openTextSession, provider, text.d);
    } catch (e) {
      await audio.release();
      throw e;
    }
  }

  /** Whether the text tower is open (false until the first `runText` with `lazyText`). */
  get textLoaded(): boolean {
    return this.textSession !== undefined;
  }

  /** Audio embeddings [n, D] of features [n, 1, frames, mels]. */
  async runAudio(features: ClapFeatures): Promise<Float32Array> {
    this.checkOpen();
    const feeds = { [CLAP_AUDIO_INPUT]: new ort.Tensor('float32', features.data, features.shape) };
    const out = (await this.audio.run(feeds, [CLAP_AUDIO_OUTPUT]))[CLAP_AUDIO_OUTPUT];
    return this.embeddings(out, features.shape[0], CLAP_AUDIO_OUTPUT);
  }

  /** Text embeddings [n, D] of a tokenized batch. */
  async runText(tokens: ClapTokens): Promise<Float32Array> {
    this.checkOpen();
    this.textSession ??= this.openText();
    let text: ort.InferenceSession;
    try {
      text = await this.textSession;
    } catch (e) {
      this.textSession = undefined;
      throw e;
    }
    return this.embeddings(await runText(text, tokens), tokens.shape[0], CLAP_TEXT_OUTPUT);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const text = await this.textSession?.catch(() => undefined);
    await Promise.all([this.audio.release(), text?.release()]);
  }

  private embeddings(out: ort.Tensor, n: number, name: string): Float32Array {
    if (out.type !== 'float32' || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== this.dimension)
      throw new AudioConceptsError(
        `${name} came back as ${out.type} [${out.dims.join(', ')}], expected float32 [${n}, ${this.dimension}]`,
      );
    return out.data as Float32Array;
  }

  private checkOpen(): void {
    if (this.closed) throw new AudioConceptsError('this ClapEncoder has been closed');
  }
}

/** Checks the text tower's tensor names and that its D is the audio tower's; returns D. */
async function checkTextTower(
  text: ort.InferenceSession,
  paths: { audio: string; text: string },
  audioD: number | undefined,
): Promise<number> {
  checkNames(text, paths.text, ['input_ids'], TEXT_INPUTS, CLAP_TEXT_OUTPUT);
  let textD = staticLastDim(text, CLAP_TEXT_OUTPUT);
  if (textD === undefined) {
    const probe = await runText(text, {
      inputIds: new BigInt64Array(1),
      attentionMask: BigInt64Array.of(1n),
      shape: [1, 1],
    });
    textD = probe.dims[1];
  }
  if (audioD !== undefined && audioD !== textD)
    throw new FormatError(
      `the towers disagree on the embedding size: ${paths.audio} gives ${CLAP_AUDIO_OUTPUT} of ${audioD}, ${paths.text} gives ${CLAP_TEXT_OUTPUT} of ${textD}`,
      paths.audio,
    );
  return textD;
}

async function runText(session: ort.InferenceSession, tokens: ClapTokens): Promise<ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const data =
      name === 'input_ids'
        ? tokens.inputIds
        : name === 'attention_mask'
          ? tokens.attentionMask
          : new BigInt64Array(tokens.inputIds.length);
    feeds[name] = new ort.Tensor('int64', data, tokens.shape);
  }
  return (await session.run(feeds, [CLAP_TEXT_OUTPUT]))[CLAP_TEXT_OUTPUT];
}

function checkNames(
  session: ort.InferenceSession,
  path: string,
  requiredInputs: readonly string[],
  allowedInputs: readonly string[],
  output: string,
): void {
  const inputs = session.inputNames;
  const problems: string[] = [];
  const absent = requiredInputs.filter((n) => !inputs.includes(n));
  const unknown = inputs.filter((n) => !allowedInputs.includes(n));
  if (absent.length > 0) problems.push(`no input ${absent.join(', ')}`);
  if (unknown.length > 0) problems.push(`inputs we cannot feed: ${unknown.join(', ')}`);
  if (!session.outputNames.includes(output)) problems.push(`no output ${output}`);
  if (problems.length > 0)
    throw new FormatError(
      `${path} is not a CLAP tower of the transformers.js layout: ${problems.join('; ')} ` +
        `(it has inputs ${inputs.join(', ')} and outputs ${session.outputNames.join(', ')}; expected inputs ` +
        `${allowedInputs.join(', ')} and output ${output})`,
      path,
    );
}

/** The output's last dimension when the model declares it as a number. */
function staticLastDim(session: ort.InferenceSession, output: string): number | undefined {
  const meta = session.outputMetadata.find((m) => m.name === output);
  if (meta === undefined || !meta.isTensor) return undefined;
  const last = meta.shape.at(-1);
  return meta.shape.length === 2 && typeof last === 'number' && last > 0 ? last : undefined;
}
