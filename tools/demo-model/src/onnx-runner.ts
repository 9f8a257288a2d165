import * as ort from 'onnxruntime-node';

/**
 * One onnxruntime session on a model held in memory. Single-threaded with sequential execution, so that results
 * (and hence the fitted weights written into the model files) do not depend on the machine's thread count.
 */
export class OnnxRunner {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(model: Uint8Array): Promise<OnnxRunner> {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    return new OnnxRunner(session);
  }

  /** Runs a float32 input of `dims` and returns the named output's data and dims. */
  async runFloat(
    inputName: string,
    data: Float32Array,
    dims: number[],
    outputName: string,
  ): Promise<{ data: Float32Array; dims: number[] }> {
    const out = await this.session.run({ [inputName]: new ort.Tensor('float32', data, dims) });
    const tensor = out[outputName];
    return { data: tensor.data as Float32Array, dims: [...tensor.dims] };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
