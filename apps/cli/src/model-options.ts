import { Option } from 'commander';
import { CLAP_DTYPES } from '@audio-concepts/encoder-clap';

/** `--dtype`: which ONNX export of the CLAP towers to load (ClapLoadOptions.dtype), for every command with --model. */
export function dtypeOption(): Option {
  return new Option(
    '--dtype <T>',
    "which ONNX export of the towers to load (transformers.js' names): fp32 = onnx/*_model.onnx, " +
      'q8 (or quantized) = onnx/*_model_quantized.onnx, fp16 = onnx/*_model_fp16.onnx, …',
  )
    .choices(CLAP_DTYPES)
    .default('fp32');
}

/** `--allow-network`, said the same way everywhere. */
export const ALLOW_NETWORK_HELP =
  'download a hub-id model once into <cache-dir>/models/<owner>/<name> (later runs use that copy offline; ' +
  'HTTPS_PROXY/HTTP_PROXY honoured)';
