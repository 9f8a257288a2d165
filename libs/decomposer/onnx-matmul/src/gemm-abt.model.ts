import { OnnxElemType, OnnxGraph } from '@audio-concepts/shared-onnx-builder';

export { OnnxElemType };

export interface GemmModelOptions {
  /** Element type of A, B and Y (default DOUBLE). */
  elemType?: typeof OnnxElemType.FLOAT | typeof OnnxElemType.DOUBLE;
  /** Written to ModelProto.producer_name (default 'audio-concepts'). */
  producerName?: string;
}

/** Names of the model's inputs and output, as `InferenceSession.run` expects them. */
export const GEMM_ABT_INPUTS = { a: 'A', b: 'B' } as const;
export const GEMM_ABT_OUTPUT = 'Y';

/**
 * An ONNX model (opset 13) with one `Gemm` node, transB = 1: inputs A [m, k] and B [n, k], output
 * Y [m, n] = A·Bᵀ, all dimensions symbolic. Built in memory, so no model file ships with the library.
 */
export function encodeGemmAbtModel(options: GemmModelOptions = {}): Uint8Array {
  const elemType = options.elemType ?? OnnxElemType.DOUBLE;
  const g = new OnnxGraph('gemm_abt', 13);
  const a = g.input(GEMM_ABT_INPUTS.a, elemType, ['m', 'k']);
  const b = g.input(GEMM_ABT_INPUTS.b, elemType, ['n', 'k']);
  g.op('Gemm', [a, b], { transB: 1 }, [GEMM_ABT_OUTPUT]);
  g.output(GEMM_ABT_OUTPUT, GEMM_ABT_OUTPUT, elemType, ['m', 'n']);
  return g.encode(options.producerName);
}
