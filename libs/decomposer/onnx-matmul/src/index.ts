export { createOrtMatMul, type OrtMatMul, type OrtMatMulOptions } from './ort-matmul';
export {
  encodeGemmAbtModel,
  GEMM_ABT_INPUTS,
  GEMM_ABT_OUTPUT,
  OnnxElemType,
  type GemmModelOptions,
} from './gemm-abt.model';
