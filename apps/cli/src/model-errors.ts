import {
  clapModelFiles,
  MissingModelFileError,
  ModelDownloadError,
  NetworkNotAllowedError,
  type HubModelCopy,
} from '@audio-concepts/encoder-clap';
import { EXIT } from './cli-error';

/**
 * The model errors in the command line's words (its flags, the model store under --cache-dir), for the errors a
 * user meets on the way to a real model: a hub id without --allow-network, a download that fails, a directory
 * that lacks files. Undefined for any other error.
 */
export function describeModelError(error: unknown): { message: string; exitCode: number } | undefined {
  if (error instanceof NetworkNotAllowedError && error.copy)
    return { message: networkNotAllowed(error.copy), exitCode: EXIT.badInput };
  if (error instanceof ModelDownloadError && error.copy)
    return { message: downloadFailed(error, error.copy), exitCode: EXIT.badInput };
  if (error instanceof MissingModelFileError) return { message: missingFiles(error), exitCode: EXIT.badInput };
  return undefined;
}

function networkNotAllowed(copy: HubModelCopy): string {
  const state =
    copy.missing.length === copy.files.length ? `(${copy.dir})` : `(${copy.dir} lacks ${copy.missing.join(', ')})`;
  return [
    `model "${copy.hubId}" is not a directory here, and as a Hugging Face hub id it is not in the model store ` +
      `yet ${state}; downloading is off. Either:`,
    '  --allow-network  download it once into that directory; later runs use the copy without the flag',
    `  --model DIR      a model directory copied in by hand (or copy the files into the store directory above and`,
    `                   keep --model ${copy.hubId}); it needs ${copy.files.join(', ')};`,
    '                   README "Real models" lists them with their sizes',
  ].join('\n');
}

function downloadFailed(error: ModelDownloadError, copy: HubModelCopy): string {
  const fp32 = clapModelFiles('fp32');
  const isFp32 = fp32.every((f) => copy.files.includes(f));
  return [
    error.problem,
    `  model store:   ${copy.dir} (under --cache-dir DIR: DIR/models); files already there are not fetched again`,
    `  copy by hand:  put ${copy.files.join(', ')} there (or in any directory, then --model DIR);`,
    '                 README "Real models" lists them with their sizes',
    `  proxy:         ${error.proxy ?? 'none'} (HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured; HF_ENDPOINT names a mirror of the hub)`,
    `  smaller:       ${isFp32 ? '--dtype q8 (onnx/*_model_quantized.onnx) or --dtype fp16 (onnx/*_model_fp16.onnx)' : '--dtype fp32, fp16 or q8 pick the other exports'}`,
  ].join('\n');
}

function missingFiles(error: MissingModelFileError): string {
  const towersMissing = error.missing.some((f) => f.startsWith('onnx/'));
  const others = error.dtypesPresent.map((d) => `--dtype ${d}`);
  return towersMissing && others.length > 0
    ? `${error.message}; it holds the towers of ${others.join(', ')}`
    : error.message;
}
