import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FormatError } from '@audio-concepts/shared-errors';
import { ExecutionProviderError } from './model.errors';

export type ClapDevice = 'auto' | 'cpu' | 'cuda';
export type ExecutionProvider = 'cuda' | 'cpu';

export interface SessionOptions {
  device: ClapDevice;
  /** Threads of onnxruntime's intra-op pool (default: onnxruntime's own choice, one per physical core). */
  intraOpThreads?: number;
}

/** What opening sessions needs from the outside; tests replace it to simulate a CUDA build. */
export interface SessionDeps {
  create: (path: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>;
  /** Whether the installed onnxruntime-node carries the CUDA execution provider library. */
  hasCudaProvider: () => boolean;
}

export const defaultSessionDeps: SessionDeps = {
  create: (path, options) => ort.InferenceSession.create(path, options),
  hasCudaProvider: installedCudaProvider,
};

/**
 * Opens one session per model file, all on the same provider. 'cpu' uses CPU only. 'auto' and 'cuda' try
 * `['cuda', 'cpu']` (nodes CUDA lacks still run on CPU); if that throws, 'auto' opens them again on CPU and
 * 'cuda' fails with an ExecutionProviderError. A build without the CUDA library is known before trying,
 * which spares onnxruntime's own error log.
 */
export async function openSessions(
  paths: readonly string[],
  options: SessionOptions,
  deps: SessionDeps = defaultSessionDeps,
): Promise<{ sessions: ort.InferenceSession[]; provider: ExecutionProvider }> {
  if (options.device !== 'cpu') {
    let failure: unknown = 'the installed onnxruntime-node has no CUDA execution provider library';
    if (deps.hasCudaProvider()) {
      try {
        return { sessions: await openAll(paths, ['cuda', 'cpu'], options, deps), provider: 'cuda' };
      } catch (cause) {
        failure = cause;
      }
    }
    if (options.device === 'cuda')
      throw new ExecutionProviderError(
        `device 'cuda' was requested but onnxruntime could not create a CUDA session for ${paths.join(', ')}: ` +
          `${failure instanceof Error ? failure.message : String(failure)}. The repo's npm install skips ` +
          "onnxruntime-node's CUDA download; run `node node_modules/onnxruntime-node/script/install.js " +
          "--onnxruntime-node-install=cuda12` with network access (README, 'GPU'), or use device 'auto' or 'cpu'",
        'cuda',
        { cause: failure },
      );
  }
  return { sessions: await openAll(paths, ['cpu'], options, deps), provider: 'cpu' };
}

async function openAll(
  paths: readonly string[],
  executionProviders: string[],
  options: SessionOptions,
  deps: SessionDeps,
): Promise<ort.InferenceSession[]> {
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders, graphOptimizationLevel: 'all' };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  const sessions: ort.InferenceSession[] = [];
  try {
    // Created from paths (not bytes) so that external weights next to a model file are found.
    for (const path of paths) sessions.push(await deps.create(path, sessionOptions));
    return sessions;
  } catch (cause) {
    await Promise.all(sessions.map((s) => s.release()));
    if (executionProviders[0] === 'cuda') throw cause;
    const path = paths[sessions.length];
    throw new FormatError(
      `onnxruntime could not load ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
      path,
    );
  }
}

/** The CUDA provider library onnxruntime-node loads on demand, next to its native binding. */
export function installedCudaProvider(): boolean {
  if (process.platform !== 'linux' && process.platform !== 'win32') return false;
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, lib));
  } catch {
    return false;
  }
}
